//! Logistic regression from linfa on an LSA projection of the TF-IDF rows: linfa where it fits
//! (dense features of a few hundred dimensions). The fitted model is folded back into a linear
//! model over the sparse features (`W = components · β`), so prediction stays one sparse dot.

use super::{ClassifyError, Scored, Targets, ValidClassifierParams};
use crate::features::lsa::Lsa;
use crate::features::CsrMatrix;
use linfa::prelude::*;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};
use rayon::prelude::*;

/// Fit. The calibration uses the training scores themselves: logistic regression on a few
/// hundred regularised dimensions is close to calibrated already, and there is no cheap
/// held-out estimate for it short of refitting.
pub(super) fn fit(
    p: &ValidClassifierParams,
    x: &CsrMatrix,
    t: &Targets,
) -> Result<Scored, ClassifyError> {
    let lsa = Lsa::fit(x, p.lsa_dims, 2, p.seed).map_err(|e| ClassifyError::Data(e.to_string()))?;
    let z = lsa.transform(x);
    let n = x.n_rows();
    let k = t.n_labels();
    let alpha = 1e-3;
    // (weights over LSA dims, bias) per label
    let heads: Vec<(Array1<f64>, f64)> = if !t.is_multilabel() {
        let y: Array1<usize> = (0..n).map(|i| t.labels_of(i)[0] as usize).collect();
        let data = Dataset::new(z.clone(), y);
        let m = MultiLogisticRegression::default()
            .alpha(alpha)
            .max_iterations(200)
            .fit(&data)?;
        let mut heads = vec![(Array1::zeros(lsa.dims()), f64::NEG_INFINITY); k];
        for (col, &class) in m.classes().iter().enumerate() {
            heads[class] = (m.params().column(col).to_owned(), m.intercept()[col]);
        }
        heads
    } else {
        (0..k)
            .into_par_iter()
            .map(|c| -> Result<(Array1<f64>, f64), ClassifyError> {
                let y: Array1<usize> = (0..n).map(|i| usize::from(t.has(i, c))).collect();
                if y.iter().all(|&v| v == y[0]) {
                    // A label on every document or on none: a constant score.
                    let b = if y[0] == 1 { 10.0 } else { -10.0 };
                    return Ok((Array1::zeros(lsa.dims()), b));
                }
                let data = Dataset::new(z.clone(), y);
                let m = LogisticRegression::default()
                    .alpha(alpha)
                    .max_iterations(200)
                    .fit(&data)?;
                let sign = if m.labels().pos.class == 1 { 1.0 } else { -1.0 };
                Ok((m.params().mapv(|w| sign * w), sign * m.intercept()))
            })
            .collect::<Result<_, _>>()?
    };
    let mut beta = Array2::zeros((lsa.dims(), k));
    let mut bias = vec![0.0; k];
    for (c, (w, b)) in heads.iter().enumerate() {
        beta.column_mut(c).assign(w);
        bias[c] = if b.is_finite() { *b } else { -1e3 };
    }
    let scores = z.dot(&beta) + &Array1::from(bias.clone());
    let w = lsa.components.dot(&beta);
    let columns: Vec<(Vec<f64>, f64)> = (0..k).map(|c| (w.column(c).to_vec(), bias[c])).collect();
    Ok(Scored {
        model: super::LinearModel::from_columns(x.n_cols(), &columns),
        loo: scores.iter().copied().collect(),
        derived: Vec::new(),
    })
}
