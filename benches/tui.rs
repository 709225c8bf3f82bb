//! The wizard's Systems step at 1,000, 10,000 and 100,000 systems (a tenth as many
//! formations): one keystroke handled by `update` and drawn by `view` into a 200x50
//! `TestBackend`, filtering by one more character, each beside its naive alternative;
//! and, printed first, the bytes a real diff-based terminal is sent per frame.

#[path = "../tests/support/wizard.rs"]
mod wizard;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group};
use formation_wizard::catalog::Catalog;
use formation_wizard::landscape::Landscape;
use formation_wizard::rules::{self, Candidate};
use formation_wizard::tui::app::{Model, Step};
use formation_wizard::tui::filter::{Filter, matches_naive};
use formation_wizard::tui::view::view;
use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::text::Line;
use ratatui::widgets::{List, ListItem, ListState};
use wizard::{at_systems, key};

const SIZES: &[usize] = &[1_000, 10_000, 100_000];
const SIZE: (u16, u16) = (200, 50);

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::embedded().expect("the embedded catalog"))
}

/// Each size generated once for the whole run.
fn landscape(n: usize) -> Landscape {
    static ALL: OnceLock<Vec<Landscape>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        SIZES
            .iter()
            .map(|&n| wizard::landscape(catalog(), n))
            .collect()
    });
    let i = SIZES.iter().position(|&s| s == n).expect("a known size");
    all[i].clone()
}

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    g
}

fn systems(m: &Model) -> &formation_wizard::tui::steps::systems::SystemsStep {
    match &m.step {
        Step::Systems(s) => s,
        _ => panic!("not at the systems step"),
    }
}

/// The naive screen: a `List` widget over every candidate row (what DESIGN.md §8 measured
/// at ~57 ms per draw over 100,000 items).
fn naive_view(rows: &[&Candidate], highlight: usize, frame: &mut Frame) {
    let items: Vec<ListItem> = rows
        .iter()
        .map(|c| {
            let mark = if c.selected { "[x]" } else { "[ ]" };
            let mut lines = vec![Line::raw(format!(
                "{mark} {}  {}  {}",
                c.name, c.system_type, c.id
            ))];
            if let Some(why) = &c.reason {
                lines.push(Line::raw(format!("      ✗ {why}")));
            }
            ListItem::new(lines)
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(highlight));
    frame.render_stateful_widget(
        List::new(items).highlight_symbol("› "),
        frame.area(),
        &mut state,
    );
}

/// Cursor move, toggle and filter character: `update` + `view`, beside the naive way.
fn keystroke(c: &mut Criterion) {
    let catalog = catalog();
    let mut g = group(c, "keystroke_200x50");
    for &n in SIZES {
        let mut term = wizard::test_terminal(SIZE.0, SIZE.1);
        let mut m = at_systems(catalog, landscape(n), SIZE);
        let mut down = true;
        g.bench_function(BenchmarkId::new("cursor_move", n), |b| {
            b.iter(|| {
                key(&mut m, if down { KeyCode::Down } else { KeyCode::Up });
                down = !down;
                term.draw(|f| view(&m, f)).expect("draw");
            })
        });
        wizard::highlight_selectable(&mut m);
        g.bench_function(BenchmarkId::new("toggle", n), |b| {
            b.iter(|| {
                key(&mut m, KeyCode::Char(' '));
                term.draw(|f| view(&m, f)).expect("draw");
            })
        });
        // The first character (a search of all the text), then "pro" typed and one more
        // character (narrowing); the Backspace that undoes each is not timed.
        key(&mut m, KeyCode::Char('/'));
        g.bench_function(BenchmarkId::new("filter_first_char", n), |b| {
            b.iter_custom(|iters| timed_pairs(iters, &mut m, &mut term, 'p', true))
        });
        for ch in "pro".chars() {
            key(&mut m, KeyCode::Char(ch));
        }
        g.bench_function(BenchmarkId::new("filter_char", n), |b| {
            b.iter_custom(|iters| timed_pairs(iters, &mut m, &mut term, 'd', true))
        });
        g.bench_function(BenchmarkId::new("filter_backspace", n), |b| {
            b.iter_custom(|iters| timed_pairs(iters, &mut m, &mut term, 'd', false))
        });
        drop(m);

        // The naive way: every rule for every candidate again after a toggle, and a
        // widget built over all rows on every draw.
        let landscape = landscape(n);
        let base = at_systems(catalog, landscape.clone(), SIZE);
        let mut plan = base.data.plan.clone();
        drop(base);
        let report = rules::evaluate(&plan, &landscape, catalog);
        let all: Vec<&Candidate> = report.candidates.iter().collect();
        let mut at = 0;
        g.bench_function(BenchmarkId::new("cursor_move_naive", n), |b| {
            b.iter(|| {
                at = if at == 0 { 1 } else { 0 };
                term.draw(|f| naive_view(&all, at, f)).expect("draw");
            })
        });
        let id = report
            .candidates
            .iter()
            .find(|c| c.selectable)
            .map(|c| c.id.clone())
            .expect("a selectable candidate");
        g.bench_function(BenchmarkId::new("toggle_naive", n), |b| {
            b.iter(|| {
                plan.toggle(&id);
                let report = rules::evaluate(&plan, &landscape, catalog);
                let rows: Vec<&Candidate> = report.candidates.iter().collect();
                term.draw(|f| naive_view(&rows, 0, f)).expect("draw");
            })
        });
        let fields = |c: &Candidate| {
            let status = landscape.system(&c.id).map_or("", |s| s.status_str());
            [
                c.name.clone(),
                c.id.clone(),
                c.system_type.clone(),
                status.to_owned(),
            ]
        };
        let texts: Vec<[String; 4]> = report.candidates.iter().map(fields).collect();
        g.bench_function(BenchmarkId::new("filter_char_naive", n), |b| {
            b.iter(|| {
                let hits =
                    matches_naive(texts.iter().map(|f| f.iter().map(String::as_str)), "prod");
                let rows: Vec<&Candidate> = hits.iter().map(|&i| &report.candidates[i]).collect();
                term.draw(|f| naive_view(&rows, 0, f)).expect("draw");
            })
        });
    }
    g.finish();
}

/// Times `iters` keystrokes (typing `ch`, or the Backspace after it) with their draw; the
/// other half of each pair restores the state untimed.
fn timed_pairs(
    iters: u64,
    m: &mut Model,
    term: &mut ratatui::Terminal<ratatui::backend::TestBackend>,
    ch: char,
    time_typing: bool,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        for (code, timed) in [
            (KeyCode::Char(ch), time_typing),
            (KeyCode::Backspace, !time_typing),
        ] {
            let start = Instant::now();
            key(m, code);
            term.draw(|f| view(m, f)).expect("draw");
            if timed {
                total += start.elapsed();
            }
        }
    }
    total
}

/// Filtering alone: one more character narrowing the previous matches, the first
/// character searching the lower-cased text once, and the naive way (lower-casing every
/// field of every candidate again).
fn filter(c: &mut Criterion) {
    let catalog = catalog();
    let mut g = group(c, "filter");
    for &n in SIZES {
        let m = at_systems(catalog, landscape(n), SIZE);
        let index = &m.data.search;
        let mut pro = Filter::new(index);
        for q in ["p", "pr", "pro"] {
            pro.set(index, q);
        }
        g.bench_function(BenchmarkId::new("one_more_char_incremental", n), |b| {
            b.iter_batched_ref(
                || pro.clone(),
                |f| f.set(index, black_box("prod")),
                BatchSize::SmallInput,
            )
        });
        let empty = Filter::new(index);
        g.bench_function(BenchmarkId::new("first_char_index", n), |b| {
            b.iter_batched_ref(
                || empty.clone(),
                |f| f.set(index, black_box("p")),
                BatchSize::SmallInput,
            )
        });
        g.bench_function(BenchmarkId::new("from_scratch_index", n), |b| {
            b.iter_batched_ref(
                || empty.clone(),
                |f| f.set(index, black_box("prod")),
                BatchSize::SmallInput,
            )
        });
        let Some(checker) = &m.data.checker else {
            panic!("no checker")
        };
        let texts: Vec<[&str; 4]> = (0..checker.len())
            .map(|i| {
                let s = &m.data.landscape.systems[checker.position(i)];
                [&*s.name, &*s.id, &*s.system_type, s.status_str()]
            })
            .collect();
        // The maintained fuzzy matcher (nucleo-matcher, as helix uses) over the same
        // fields, one word: what a fuzzy filter would cost per keystroke (no narrowing:
        // a fuzzy match of "prod" is not a subset of one of "pro" in score order).
        let utf32: Vec<Vec<nucleo_matcher::Utf32String>> = texts
            .iter()
            .map(|f| f.iter().map(|s| (*s).into()).collect())
            .collect();
        g.bench_function(BenchmarkId::new("fuzzy_nucleo", n), |b| {
            use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
            let atom = Atom::new(
                "prod",
                CaseMatching::Ignore,
                Normalization::Smart,
                AtomKind::Fuzzy,
                false,
            );
            let mut matcher = nucleo_matcher::Matcher::new(nucleo_matcher::Config::DEFAULT);
            b.iter(|| {
                utf32
                    .iter()
                    .filter(|fs| {
                        fs.iter()
                            .any(|f| atom.score(f.slice(..), &mut matcher).is_some())
                    })
                    .count()
            })
        });
        g.bench_function(BenchmarkId::new("from_scratch_naive", n), |b| {
            b.iter(|| matches_naive(texts.iter().map(|f| f.iter().copied()), black_box("prod")))
        });
        assert_eq!(
            systems(&m).matches().len(),
            checker.len(),
            "no filter yet: every candidate"
        );
    }
    g.finish();
}

/// The Type step's availability of every type: O(systems) per type, worked out once per
/// landscape (it was once per visit of the step).
fn availability(c: &mut Criterion) {
    let catalog = catalog();
    let mut g = group(c, "type_step_availability");
    for &n in SIZES {
        let l = landscape(n);
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                catalog
                    .formation_types
                    .iter()
                    .map(|t| rules::availability(t, &l, catalog))
                    .collect::<Vec<_>>()
            })
        });
    }
    g.finish();
}

/// Adding systems to a formation that exists: `a` on the Formation screen opens the
/// Systems step over the landscape without that formation (a copy checked afresh:
/// O(systems)) and draws it; `Esc` puts the whole landscape back and draws the screen.
fn adding(c: &mut Criterion) {
    let catalog = catalog();
    let mut g = group(c, "adding");
    let mut terminal = wizard::test_terminal(SIZE.0, SIZE.1);
    for &n in &SIZES[1..] {
        g.bench_function(BenchmarkId::new("open_systems_step", n), |b| {
            b.iter_batched(
                || wizard::at_formation(catalog, landscape(n), SIZE),
                |mut m| {
                    key(&mut m, KeyCode::Char('a'));
                    terminal.draw(|f| view(&m, f)).expect("drawn");
                    m
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_function(BenchmarkId::new("back_to_formation", n), |b| {
            b.iter_batched(
                || {
                    let mut m = wizard::at_formation(catalog, landscape(n), SIZE);
                    key(&mut m, KeyCode::Char('a'));
                    m
                },
                |mut m| {
                    key(&mut m, KeyCode::Esc);
                    terminal.draw(|f| view(&m, f)).expect("drawn");
                    m
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// Bytes sent to a real crossterm terminal: deterministic, so printed, not timed.
fn print_bytes() {
    println!("bytes written to a crossterm terminal (diff-based), Systems step");
    println!(
        "{:>9} {:>8} {:>11} {:>11} {:>17} {:>7} {:>11}",
        "systems",
        "size",
        "first frame",
        "cursor move",
        "60 moves med/max",
        "toggle",
        "filter char"
    );
    for (w, h) in [(80, 24), (200, 50)] {
        for &n in SIZES {
            let b = wizard::bytes(catalog(), landscape(n), w, h);
            let (med, max) = wizard::sweep(catalog(), landscape(n), w, h);
            println!(
                "{n:>9} {:>8} {:>11} {:>11} {:>17} {:>7} {:>11}",
                format!("{w}x{h}"),
                b.first_frame,
                b.cursor_move,
                format!("{med}/{max}"),
                b.toggle,
                b.filter_char
            );
        }
    }
}

/// The Formations screen (`manage`) at 1,000, 10,000 and 100,000 systems (a tenth as many
/// formations): one key handled by `update` and drawn by `view` at 200x50 and 80x24. The
/// budget is issue 20's 4 ms at 10,000 formations.
fn formations(c: &mut Criterion) {
    let catalog = catalog();
    let mut g = group(c, "formations_key");
    for (w, h) in [(200, 50), (80, 24)] {
        for &n in SIZES {
            let mut term = wizard::test_terminal(w, h);
            let mut m = wizard::at_formations(catalog, landscape(n), (w, h));
            term.draw(|f| view(&m, f)).expect("draw");
            let mut down = true;
            let id = format!("{}x{}/{}", w, h, n / 10);
            g.bench_function(BenchmarkId::new("cursor_move", &id), |b| {
                b.iter(|| {
                    key(&mut m, if down { KeyCode::Down } else { KeyCode::Up });
                    down = !down;
                    term.draw(|f| view(&m, f)).expect("draw");
                })
            });
            let mut end = true;
            g.bench_function(BenchmarkId::new("end_home", &id), |b| {
                b.iter(|| {
                    key(&mut m, if end { KeyCode::End } else { KeyCode::Home });
                    end = !end;
                    term.draw(|f| view(&m, f)).expect("draw");
                })
            });
            key(&mut m, KeyCode::Char('/'));
            g.bench_function(BenchmarkId::new("filter_char", &id), |b| {
                b.iter_custom(|iters| timed_pairs(iters, &mut m, &mut term, '7', true))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, keystroke, filter, availability, adding, formations);

fn main() {
    print_bytes();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
