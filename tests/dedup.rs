//! Near-duplicate grouping as a store uses it: identical and lightly rewritten copies of a
//! story group, different stories on the same theme do not, and the groups do not depend on
//! the thread count or on batch versus incremental insertion. Texts written for the project.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use veille::dedup::{DedupConfig, Deduper, Groups, Signature};

const STORY_FR: &str = "La Commission européenne a présenté mardi un plan pour renforcer la \
production de semi-conducteurs sur le continent. Le texte prévoit des aides publiques pour les \
usines de puces avancées, un mécanisme de surveillance des pénuries et la possibilité d'imposer \
des commandes prioritaires en cas de crise. Les industriels saluent l'initiative mais jugent \
l'enveloppe insuffisante face aux subventions américaines et asiatiques. Plusieurs États membres \
réclament que les fonds soient réservés aux projets qui s'engagent à rester en Europe pendant dix \
ans. Le Parlement doit examiner la proposition à l'automne.";

const STORY_EN: &str = "A ransomware attack disrupted the computer systems of a regional \
hospital group on Sunday, forcing staff to divert ambulances and postpone scheduled surgeries. \
The attackers claimed on their leak site to have stolen patient records and threatened to publish \
them unless a ransom was paid. The national cyber agency said it was assisting the hospital and \
that there was no evidence so far that other health providers were affected. Officials urged \
hospitals to patch a remote access flaw that the group is known to exploit.";

const OTHER_CHIPS: &str = "The United States added a dozen Chinese chip designers to its export \
blacklist on Thursday, barring American suppliers from selling them design software and advanced \
tools without a licence. The commerce department said the companies supported military \
programmes. Beijing condemned the move as economic coercion and promised to protect the rights of \
its firms. Analysts expect the rules to speed up efforts to build domestic alternatives.";

const OTHER_CYBER: &str = "A ransomware gang leaked data stolen from a city council after the \
council refused to pay, the mayor said on Monday. Residents were warned that names, addresses and \
tax records may have been exposed. The council's systems were restored from backups within a \
week, and police opened an investigation with help from the national cyber agency.";

fn deduper() -> Deduper {
    Deduper::new(DedupConfig::default()).expect("default settings are valid")
}

fn swap_sentences(text: &str, a: usize, b: usize) -> String {
    let mut s: Vec<&str> = text.split_inclusive(". ").collect();
    s.swap(a, b);
    s.concat()
}

#[test]
fn identical_texts_group() {
    let upper = STORY_EN.to_uppercase();
    let typographic = STORY_FR.replace('\'', "’");
    let docs = [STORY_EN, STORY_FR, &upper, &typographic, STORY_EN];
    let groups = deduper().groups(&docs);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups.group_of(0).members, [0, 2, 4]);
    assert_eq!(groups.group_of(3).members, [1, 3]);
    assert_eq!(groups.group_of(3).canonical, 1);
}

#[test]
fn light_rewrites_group() {
    let boilerplate =
        format!("{STORY_FR}\nLire aussi : notre dossier sur la souveraineté numérique.");
    let edited = STORY_EN
        .replace("on Sunday", "on Sunday night")
        .replace("scheduled", "planned");
    let reordered = swap_sentences(STORY_EN, 1, 3);
    let cut = STORY_FR.replace(
        " Le Parlement doit examiner la proposition à l'automne.",
        "",
    );
    let docs = [STORY_EN, STORY_FR, &boilerplate, &edited, &reordered, &cut];
    let groups = deduper().groups(&docs);
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(groups.group_of(0).members, [0, 3, 4]);
    assert_eq!(groups.group_of(1).members, [1, 2, 5]);
}

#[test]
fn different_stories_on_one_theme_do_not_group() {
    let docs = [STORY_EN, OTHER_CYBER, STORY_FR, OTHER_CHIPS];
    let groups = deduper().groups(&docs);
    assert_eq!(groups.len(), 4, "{groups:?}");
    let d = deduper();
    let j = d.signature(STORY_EN).jaccard(&d.signature(OTHER_CYBER));
    assert!(j < 0.1, "{j}");
}

/// A seeded corpus of `stories` stories, each with a few perturbed copies, shuffled.
fn generated(stories: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let vocab: Vec<String> = (0..3000).map(|i| format!("mot{i}")).collect();
    let mut docs = Vec::new();
    for _ in 0..stories {
        let len = rng.gen_range(5..200);
        let words: Vec<&str> = (0..len)
            .map(|_| vocab[rng.gen_range(0..vocab.len())].as_str())
            .collect();
        docs.push(words.join(" "));
        for _ in 0..rng.gen_range(0..4) {
            let kept: Vec<&str> = words
                .iter()
                .copied()
                .filter(|_| rng.gen_bool(0.97))
                .collect();
            docs.push(format!("{} Abonnez-vous à notre lettre.", kept.join(" ")));
        }
    }
    docs.shuffle(&mut rng);
    docs
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
        .install(f)
}

#[test]
fn same_groups_and_signatures_whatever_the_thread_count() {
    let docs = generated(300, 11);
    let d = deduper();
    let one: (Groups, Vec<Signature>) = in_pool(1, || (d.groups(&docs), d.signatures(&docs)));
    for threads in [2, 3, 8] {
        let other = in_pool(threads, || (d.groups(&docs), d.signatures(&docs)));
        assert_eq!(one, other, "{threads} threads");
    }
    assert!(one.0.duplicates().count() > 100);
    assert!(one.0.len() < docs.len());
}

#[test]
fn incremental_equals_batch() {
    let docs = generated(400, 5);
    let d = deduper();
    let batch = d.groups(&docs);
    let mut index = d.index::<usize>();
    for (i, t) in docs.iter().enumerate() {
        let ins = index.insert(i, t);
        // What insert said agrees with the groups so far.
        let canonical = index.canonical_of(i).copied();
        assert_eq!(ins.canonical.unwrap_or(i), canonical.expect("inserted"));
    }
    assert_eq!(index.groups(), batch);
    let canonicals = batch.canonicals();
    for (i, &c) in canonicals.iter().enumerate() {
        assert!(c <= i, "the canonical member is the earliest");
        assert_eq!(index.canonical_of(i), Some(&c));
    }
}

#[test]
fn stored_signatures_rebuild_the_same_index() {
    let docs = generated(150, 9);
    let d = deduper();
    let stored: Vec<String> = d
        .signatures(&docs)
        .iter()
        .map(|s| serde_json::to_string(s).expect("serialisable"))
        .collect();
    let loaded: Vec<Signature> = stored
        .iter()
        .map(|s| serde_json::from_str(s).expect("round trip"))
        .collect();
    assert_eq!(
        d.groups_of_signatures(&loaded).expect("same family"),
        d.groups(&docs)
    );
    let mut index = d.index::<String>();
    for (i, s) in loaded.into_iter().enumerate() {
        index
            .insert_signature(format!("doc-{i}"), s)
            .expect("same family");
    }
    assert_eq!(index.groups(), d.groups(&docs));
    // A new copy of a stored article finds its group.
    let copy = format!("{} Lire aussi", docs[0]);
    let joined = index.insert("new".to_string(), &copy);
    let expected = index.canonical_of(0).cloned();
    assert_eq!(joined.canonical, expected);
}

#[test]
fn a_text_bridging_two_groups_merges_them() {
    // Unigrams: "ab" is exactly half "a" and half "b" (Jaccard 0.5 with each); 64 bands of 2
    // make them candidates whatever the draw.
    let d = Deduper::new(DedupConfig {
        shingle: 1,
        threshold: 0.4,
        bands: 64,
        rows: 2,
        ..DedupConfig::default()
    })
    .expect("valid");
    let a: Vec<String> = (0..40).map(|i| format!("alpha{i}")).collect();
    let b: Vec<String> = (0..40).map(|i| format!("beta{i}")).collect();
    let both = format!("{} {}", a.join(" "), b.join(" "));
    let mut index = d.index::<&str>();
    assert_eq!(index.insert("a", &a.join(" ")).canonical, None);
    assert_eq!(index.insert("b", &b.join(" ")).canonical, None);
    let ins = index.insert("ab", &both);
    assert_eq!(ins.canonical, Some("a"));
    assert_eq!(ins.absorbed, ["b"]);
    assert_eq!(index.groups(), d.groups(&[a.join(" "), b.join(" "), both]));
}
