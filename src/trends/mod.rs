//! Themes over time: per period and theme the number and share of stories (near-duplicates
//! counted once), which themes rise, and per theme the terms that rise.
//!
//! Rules, stated:
//! - a period is a calendar day, ISO week (`2017-W11`) or month of the article's publication
//!   date (its first ten characters, `YYYY-MM-DD`); articles without one are counted apart;
//! - a theme **rises** in a period when its share is at least 1.5 times its share over the
//!   [`BASELINE`] periods before, and the difference passes a two-proportion z-test at
//!   z ≥ [`Z_RISING`] (so one article more in a thin month is not a rise);
//! - a term **rises** for a theme in the last period by the log-odds ratio with an informative
//!   Dirichlet prior (Monroe, Colaresi & Quinn 2008), comparing the theme's articles of the last
//!   period with its articles of the periods before, terms counted once per article; the
//!   prior is the term's frequency over all articles (weight [`PRIOR_WEIGHT`]); a term needs
//!   z ≥ [`Z_RISING`] and at least [`MIN_TERM_DOCS`] articles in the last period.

pub mod emerging;
pub mod report;

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Month and day names of the model languages, left out of rising terms.
const CALENDAR_WORDS: &str = "janvier février fevrier mars avril mai juin juillet août aout \
    septembre octobre novembre décembre decembre lundi mardi mercredi jeudi vendredi samedi \
    dimanche january february march april may june july august september october november \
    december monday tuesday wednesday thursday friday saturday sunday";

/// Periods before a period that make its baseline.
pub const BASELINE: usize = 3;
/// The z-score a rise needs.
pub const Z_RISING: f64 = 1.96;
/// Articles of the last period a rising term needs.
pub const MIN_TERM_DOCS: usize = 3;
/// Total weight of the informative prior, in term counts.
pub const PRIOR_WEIGHT: f64 = 500.0;

/// How articles are grouped in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// Calendar days.
    Day,
    /// ISO weeks.
    Week,
    /// Calendar months.
    Month,
}

impl std::str::FromStr for Granularity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "day" => Ok(Granularity::Day),
            "week" => Ok(Granularity::Week),
            "month" => Ok(Granularity::Month),
            _ => Err(format!("unknown period \"{s}\": day, week or month")),
        }
    }
}

/// The period of an ISO date (`YYYY-MM-DD`, anything after ignored), or `None` when it is
/// not one.
pub fn period_of(date: &str, by: Granularity) -> Option<String> {
    use chrono::Datelike;
    let d = chrono::NaiveDate::parse_from_str(date.get(..10)?, "%Y-%m-%d").ok()?;
    Some(match by {
        Granularity::Day => d.format("%Y-%m-%d").to_string(),
        Granularity::Month => d.format("%Y-%m").to_string(),
        Granularity::Week => {
            let w = d.iso_week();
            format!("{:04}-W{:02}", w.year(), w.week())
        }
    })
}

/// One story, as trends see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Its period.
    pub period: String,
    /// Its themes.
    pub labels: Vec<String>,
    /// Its terms (stems), each once.
    pub terms: BTreeSet<String>,
    /// Outlets that carried it (1 for a story seen once).
    pub outlets: usize,
    /// A title or id to show it by.
    pub title: String,
    /// Its URL, when known.
    pub url: Option<String>,
    /// Its text, kept for a story no theme covers (those are clustered into emerging
    /// subjects); `None` otherwise.
    pub text: Option<String>,
}

/// Counts of one theme over the periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeSeries {
    /// The theme.
    pub theme: String,
    /// Stories per period (in the order of [`Trends::periods`]).
    pub counts: Vec<usize>,
    /// Share of the period's stories.
    pub shares: Vec<f64>,
    /// Whether it rises in each period (see the module's rule).
    pub rising: Vec<bool>,
    /// The terms rising in the last period, best first.
    pub rising_terms: Vec<RisingTerm>,
    /// Stories of the last period, most outlets first (at most 5).
    pub examples: Vec<Example>,
}

/// A term rising for a theme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RisingTerm {
    /// The term (a stem).
    pub term: String,
    /// Its log-odds z-score.
    pub z: f64,
    /// Articles of the theme with it in the last period.
    pub now: usize,
    /// Articles of the theme with it in the periods before.
    pub before: usize,
}

/// A story shown as an example.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// Title or id.
    pub title: String,
    /// URL, when known.
    pub url: Option<String>,
    /// Outlets that carried it.
    pub outlets: usize,
}

/// Themes over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trends {
    /// The periods, in order.
    pub periods: Vec<String>,
    /// Stories per period.
    pub totals: Vec<usize>,
    /// Per theme.
    pub themes: Vec<ThemeSeries>,
    /// Stories with no theme, per period.
    pub unlabelled: Vec<usize>,
    /// Subjects among the stories no theme covers, rising ones first (filled by
    /// [`emerging::subjects`]).
    pub emerging: Vec<emerging::Subject>,
}

fn share(n: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        n as f64 / total as f64
    }
}

/// Two-proportion z-score of `a/na` against `b/nb`.
fn two_proportion_z(a: usize, na: usize, b: usize, nb: usize) -> f64 {
    if na == 0 || nb == 0 {
        return 0.0;
    }
    let (pa, pb) = (share(a, na), share(b, nb));
    let p = share(a + b, na + nb);
    let se = (p * (1.0 - p) * (1.0 / na as f64 + 1.0 / nb as f64)).sqrt();
    if se == 0.0 {
        0.0
    } else {
        (pa - pb) / se
    }
}

/// The most periods a gap between two periods is filled with.
const MAX_FILLED: usize = 20_000;

/// The period after `p` (a day `YYYY-MM-DD`, an ISO week `YYYY-Www` or a month `YYYY-MM`).
fn next_period(p: &str) -> Option<String> {
    use chrono::{Datelike, Duration, NaiveDate};
    if let Ok(d) = NaiveDate::parse_from_str(p, "%Y-%m-%d") {
        return Some((d + Duration::days(1)).format("%Y-%m-%d").to_string());
    }
    if let Some((y, w)) = p.split_once("-W") {
        let d = NaiveDate::from_isoywd_opt(y.parse().ok()?, w.parse().ok()?, chrono::Weekday::Mon)?;
        let n = (d + Duration::days(7)).iso_week();
        return Some(format!("{:04}-W{:02}", n.year(), n.week()));
    }
    let d = NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d").ok()?;
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    Some(format!("{y:04}-{m:02}"))
}

/// Every period from the first to the last seen, the empty ones included (a quiet period is
/// a zero, not a gap); periods that cannot be read, or a span too long, are kept as seen.
fn fill_periods(seen: &BTreeSet<&str>) -> Vec<String> {
    let (Some(&first), Some(&last)) = (seen.first(), seen.last()) else {
        return Vec::new();
    };
    let mut out = vec![first.to_string()];
    while let Some(n) = next_period(&out[out.len() - 1]).filter(|n| n.as_str() <= last) {
        if out.len() > MAX_FILLED {
            break;
        }
        out.push(n);
    }
    if out.last().map(String::as_str) == Some(last)
        && seen
            .iter()
            .all(|p| out.binary_search_by(|q| q.as_str().cmp(p)).is_ok())
    {
        out
    } else {
        seen.iter().map(|p| p.to_string()).collect()
    }
}

/// Whether a series rises in period `p` (the module's rule): its z-score against the
/// [`BASELINE`] periods before when it does.
fn rise(counts: &[usize], totals: &[usize], p: usize) -> Option<f64> {
    let from = p.saturating_sub(BASELINE);
    if from == p {
        return None;
    }
    let (b, nb) = (from..p).fold((0, 0), |(b, nb), q| (b + counts[q], nb + totals[q]));
    let z = two_proportion_z(counts[p], totals[p], b, nb);
    (share(counts[p], totals[p]) >= 1.5 * share(b, nb) && z >= Z_RISING).then_some(z)
}

/// Compute the trends of `stories` (without emerging subjects: see [`emerging::subjects`]).
pub fn trends(stories: &[Story]) -> Trends {
    let seen: BTreeSet<&str> = stories.iter().map(|s| s.period.as_str()).collect();
    let periods = fill_periods(&seen);
    let at: HashMap<&str, usize> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let np = periods.len();
    let mut totals = vec![0usize; np];
    let mut unlabelled = vec![0usize; np];
    let mut counts: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for s in stories {
        let p = at[s.period.as_str()];
        totals[p] += 1;
        if s.labels.is_empty() {
            unlabelled[p] += 1;
        }
        for l in &s.labels {
            counts.entry(l.as_str()).or_insert_with(|| vec![0; np])[p] += 1;
        }
    }
    // Term frequencies over every story: the prior.
    let mut all_terms: HashMap<&str, usize> = HashMap::new();
    let mut all_total = 0usize;
    for s in stories {
        for t in &s.terms {
            *all_terms.entry(t.as_str()).or_default() += 1;
            all_total += 1;
        }
    }
    let last = np.checked_sub(1);
    let themes = counts
        .into_iter()
        .map(|(theme, counts)| {
            let shares: Vec<f64> = (0..np).map(|p| share(counts[p], totals[p])).collect();
            let rising: Vec<bool> = (0..np)
                .map(|p| rise(&counts, &totals, p).is_some())
                .collect();
            let (rising_terms, examples) = match last {
                Some(l) => {
                    let terms = rising_terms(stories, theme, &periods[l], &all_terms, all_total);
                    let ex = examples(stories, theme, &periods[l], &terms);
                    (terms, ex)
                }
                None => (Vec::new(), Vec::new()),
            };
            ThemeSeries {
                theme: theme.to_string(),
                counts,
                shares,
                rising,
                rising_terms,
                examples,
            }
        })
        .collect();
    Trends {
        periods,
        totals,
        themes,
        unlabelled,
        emerging: Vec::new(),
    }
}

fn rising_terms(
    stories: &[Story],
    theme: &str,
    last: &str,
    all: &HashMap<&str, usize>,
    all_total: usize,
) -> Vec<RisingTerm> {
    let mut now: HashMap<&str, usize> = HashMap::new();
    let mut before: HashMap<&str, usize> = HashMap::new();
    let (mut n_now, mut n_before) = (0usize, 0usize);
    for s in stories
        .iter()
        .filter(|s| s.labels.iter().any(|l| l == theme))
    {
        let (map, n) = if s.period == last {
            (&mut now, &mut n_now)
        } else if s.period.as_str() < last {
            (&mut before, &mut n_before)
        } else {
            continue;
        };
        for t in &s.terms {
            *map.entry(t.as_str()).or_default() += 1;
            *n += 1;
        }
    }
    if n_before == 0 {
        return Vec::new();
    }
    let mut out: Vec<RisingTerm> = now
        .iter()
        .filter(|&(_, &c)| c >= MIN_TERM_DOCS)
        .filter_map(|(&t, &yi)| {
            let yj = before.get(t).copied().unwrap_or(0);
            let a =
                PRIOR_WEIGHT * all.get(t).copied().unwrap_or(0) as f64 / all_total.max(1) as f64;
            let (yi, yj) = (yi as f64, yj as f64);
            let odds = |y: f64, n: f64| ((y + a) / (n + PRIOR_WEIGHT - y - a)).ln();
            let delta = odds(yi, n_now as f64) - odds(yj, n_before as f64);
            let z = delta / (1.0 / (yi + a) + 1.0 / (yj + a)).sqrt();
            (z >= Z_RISING).then(|| RisingTerm {
                term: t.to_string(),
                z: (z * 1000.0).round() / 1000.0,
                now: yi as usize,
                before: yj as usize,
            })
        })
        .collect();
    out.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.term.cmp(&b.term)));
    out.truncate(10);
    out
}

/// A theme's examples: its stories of the last period that carry the most of its rising
/// terms (what shows why they rise), most outlets first.
fn examples(stories: &[Story], theme: &str, last: &str, rising: &[RisingTerm]) -> Vec<Example> {
    best_examples(
        stories
            .iter()
            .filter(|s| s.period == last && s.labels.iter().any(|l| l == theme))
            .map(|s| {
                let hits = rising.iter().filter(|r| s.terms.contains(&r.term)).count();
                (s, hits as f64)
            })
            .collect(),
    )
}

/// The five stories carried by the most outlets, then with the best score, then by title.
fn best_examples(mut ex: Vec<(&Story, f64)>) -> Vec<Example> {
    ex.sort_by(|(a, sa), (b, sb)| {
        b.outlets
            .cmp(&a.outlets)
            .then_with(|| sb.total_cmp(sa))
            .then_with(|| a.title.cmp(&b.title))
    });
    ex.into_iter()
        .take(5)
        .map(|(s, _)| Example {
            title: s.title.clone(),
            url: s.url.clone(),
            outlets: s.outlets,
        })
        .collect()
}

/// The stories of a store, as classified by model `model` (its name in the store): one per
/// near-duplicate group (its canonical article, carrying the group's size as outlets), with
/// its period and terms (stems of `analyzer`), between `since` and `until` (ISO dates,
/// inclusive). A story whose best score is under `uncovered_below` counts as no theme's (a
/// single-label model gives every story a theme: this is how its uncovered stories are found).
/// Returns them and the number of articles without a usable date.
pub fn stories_from_store(
    store: &crate::store::Store,
    model: &str,
    analyzer: &crate::text::Analyzer,
    by: Granularity,
    since: Option<&str>,
    until: Option<&str>,
    uncovered_below: Option<f64>,
) -> Result<(Vec<Story>, usize), crate::store::StoreError> {
    let group_size = store.group_sizes()?;
    // Dates say when, not what: month and day names (stemmed as the model stems them) and
    // numbers are not terms, or every month's own name would rise in it.
    let calendar: BTreeSet<String> = analyzer.stems(CALENDAR_WORDS).into_iter().collect();
    let is_term =
        |t: &String| !calendar.contains(t) && !t.chars().next().is_some_and(|c| c.is_ascii_digit());
    let mut stories = Vec::new();
    let mut undated = 0;
    store.for_each_article(|a| {
        if a.dup_group.is_some_and(|g| g != a.id) {
            return Ok(());
        }
        let art = &a.article;
        let date = art.published.as_deref().unwrap_or("");
        let Some(period) = period_of(date, by) else {
            undated += 1;
            return Ok(());
        };
        let day = &date[..10];
        if since.is_some_and(|s| day < s) || until.is_some_and(|u| day > u) {
            return Ok(());
        }
        let labels = match store.classification_by(a.id, model)? {
            // Under the score asked for, no theme covers it.
            Some((_, best)) if uncovered_below.is_some_and(|min| best.is_none_or(|b| b < min)) => {
                Vec::new()
            }
            Some((l, _)) => l.as_slice().to_vec(),
            None => Vec::new(),
        };
        stories.push(Story {
            period,
            terms: analyzer
                .stems(&art.text)
                .into_iter()
                .filter(is_term)
                .collect(),
            outlets: group_size.get(&a.id).copied().unwrap_or(1),
            // Titles are shown on one line.
            title: art
                .title
                .as_deref()
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|t| !t.is_empty())
                .or_else(|| art.ext_id.clone())
                .unwrap_or_else(|| format!("store:{}", a.id)),
            url: art.url.clone(),
            text: labels.is_empty().then(|| art.text.clone()),
            labels,
        });
        Ok(())
    })?;
    Ok((stories, undated))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(period: &str, label: &str, terms: &[&str]) -> Story {
        Story {
            period: period.into(),
            labels: if label.is_empty() {
                vec![]
            } else {
                vec![label.into()]
            },
            terms: terms.iter().map(|t| t.to_string()).collect(),
            outlets: 1,
            title: format!("{label} {period}"),
            url: None,
            text: None,
        }
    }

    #[test]
    fn periods_of_dates() {
        assert_eq!(
            period_of("2017-03-14T07:30:00Z", Granularity::Month).as_deref(),
            Some("2017-03")
        );
        assert_eq!(
            period_of("2017-03-14", Granularity::Day).as_deref(),
            Some("2017-03-14")
        );
        assert_eq!(
            period_of("2021-01-03", Granularity::Week).as_deref(),
            Some("2020-W53")
        );
        assert_eq!(
            period_of("2019-12-30", Granularity::Week).as_deref(),
            Some("2020-W01")
        );
        assert_eq!(
            period_of("2017-03-14", Granularity::Week).as_deref(),
            Some("2017-W11")
        );
        assert_eq!(period_of("14 mars 2017", Granularity::Day), None);
        assert_eq!(period_of("2017-13-01", Granularity::Day), None);
        // Quiet periods are zeros, not gaps.
        let fill = |p: &[&str]| fill_periods(&p.iter().copied().collect());
        assert_eq!(
            fill(&["2024-11", "2025-02"]),
            ["2024-11", "2024-12", "2025-01", "2025-02"]
        );
        assert_eq!(
            fill(&["2020-W52", "2021-W02"]),
            ["2020-W52", "2020-W53", "2021-W01", "2021-W02"]
        );
        assert_eq!(
            fill(&["2024-02-28", "2024-03-01"]),
            ["2024-02-28", "2024-02-29", "2024-03-01"]
        );
        let t = trends(&[story("2024-01", "x", &[]), story("2024-03", "x", &[])]);
        assert_eq!(t.periods, ["2024-01", "2024-02", "2024-03"]);
        assert_eq!(
            (t.totals.clone(), t.themes[0].shares.clone()),
            (vec![1, 0, 1], vec![1.0, 0.0, 1.0])
        );
    }

    #[test]
    fn a_theme_that_doubles_rises_and_an_unchanged_one_does_not() {
        let mut s = Vec::new();
        for (p, sanctions) in [
            ("2024-01", 50),
            ("2024-02", 50),
            ("2024-03", 50),
            ("2024-04", 100),
        ] {
            for i in 0..sanctions {
                let mut terms = vec!["export", "control"];
                if p == "2024-04" && i % 2 == 0 {
                    terms.push("gallium");
                }
                s.push(story(p, "sanctions", &terms));
            }
            for _ in 0..100 {
                s.push(story(p, "cyber", &["ransomware", "attack"]));
            }
            for _ in 0..50 {
                s.push(story(p, "", &["football"]));
            }
        }
        let t = trends(&s);
        assert_eq!(t.periods, ["2024-01", "2024-02", "2024-03", "2024-04"]);
        let get = |name: &str| t.themes.iter().find(|x| x.theme == name).unwrap();
        assert_eq!(get("sanctions").rising, [false, false, false, true]);
        assert_eq!(get("cyber").rising, [false, false, false, false]);
        let terms: Vec<&str> = get("sanctions")
            .rising_terms
            .iter()
            .map(|r| r.term.as_str())
            .collect();
        assert_eq!(terms, ["gallium"]);
        assert!(get("cyber").rising_terms.is_empty());
        assert_eq!(t.unlabelled, [50, 50, 50, 50]);
        // A thin theme: one story more is no rise.
        let thin = trends(&[
            story("2024-01", "x", &[]),
            story("2024-02", "x", &[]),
            story("2024-02", "x", &[]),
            story("2024-01", "y", &[]),
            story("2024-02", "y", &[]),
        ]);
        assert_eq!(thin.themes[0].rising, [false, false]);
    }
}
