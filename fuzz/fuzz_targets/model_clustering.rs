//! A clustering model file (spherical-kmeans, lsa-kmeans, lsa-gmm, lsa-dbscan) as it is on
//! disk: `ClusterModel::from_bytes`, then, when it loads, the clustering in use.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    veille_fuzz::clustering(data);
});
