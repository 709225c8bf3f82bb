//! Loading a landscape, and checking the candidates of the Systems step, at 1,000, 10,000
//! and 100,000 systems. Each incremental path is measured beside its naive alternative.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use formation_wizard::catalog::Catalog;
use formation_wizard::landscape::Landscape;
use formation_wizard::plan::FormationPlan;
use formation_wizard::{generate, rules};

const SIZES: &[usize] = &[1_000, 10_000, 100_000];
const TYPE: &str = "sap-task-center";

fn landscape_json(catalog: &Catalog, systems: usize) -> Vec<u8> {
    let generated = generate::landscape(catalog, systems, systems / 10, 7);
    serde_json::to_vec(&generated).unwrap()
}

fn load(c: &mut Criterion) {
    let catalog = Catalog::embedded().unwrap();
    let mut group = c.benchmark_group("load_and_validate");
    group.sample_size(10);
    for &n in SIZES {
        let bytes = landscape_json(&catalog, n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &bytes, |b, bytes| {
            b.iter(|| Landscape::parse(black_box(bytes), "bench", &catalog).unwrap())
        });
    }
    group.finish();
}

/// Issue 22: the file read in one pass against the two-pass reader it replaced (a typed
/// parse with paths, then the whole document again for repeated keys), at 100,000 systems
/// and 10,000 formations, the parse and the validation included, the result dropped.
/// `benches/load_vs_python.py` measures the whole `check` process beside Python.
fn load_one_pass(c: &mut Criterion) {
    let catalog = Catalog::embedded().unwrap();
    let mut group = c.benchmark_group("load_100k");
    group.sample_size(10);
    let bytes = landscape_json(&catalog, 100_000);
    group.bench_function("one_pass", |b| {
        b.iter(|| Landscape::parse(black_box(&bytes), "bench", &catalog).unwrap())
    });
    group.bench_function("two_pass", |b| {
        b.iter(|| Landscape::parse_two_pass(black_box(&bytes), "bench", &catalog).unwrap())
    });
    group.finish();
}

/// The first selectable candidate of each type bucket, to toggle.
fn first_selectable(checker: &rules::Checker, landscape: &Landscape) -> String {
    let i = (0..checker.len()).find(|&i| checker.selectable(i)).unwrap();
    landscape.systems[checker.position(i)].id.clone()
}

fn candidates(c: &mut Criterion) {
    let catalog = Catalog::embedded().unwrap();
    let mut group = c.benchmark_group("candidates");
    group.sample_size(10);
    for &n in SIZES {
        let bytes = landscape_json(&catalog, n);
        let landscape = Landscape::parse(&bytes, "bench", &catalog).unwrap();
        group.bench_with_input(BenchmarkId::new("from_scratch", n), &n, |b, _| {
            b.iter(|| {
                let checker = rules::Checker::new(TYPE, &landscape, &catalog).unwrap();
                checker.report("Bench", &landscape, &catalog)
            })
        });
        let base = rules::Checker::new(TYPE, &landscape, &catalog).unwrap();
        let id = first_selectable(&base, &landscape);
        // After a toggle the Systems step needs the counts, the verdict, and whether each
        // visible row is selectable: O(selected) plus O(rows on screen).
        group.bench_with_input(BenchmarkId::new("toggle_incremental", n), &n, |b, _| {
            let mut checker = base.clone();
            b.iter(|| {
                checker.toggle(&landscape, &catalog, &id);
                let visible = (0..checker.len().min(50))
                    .filter(|&i| checker.selectable(i))
                    .count();
                let (violations, _) = checker.findings("Bench", &landscape, &catalog);
                black_box((visible, violations.len()))
            })
        });
        // The naive way: every rule for every system again after each toggle.
        group.bench_with_input(BenchmarkId::new("toggle_naive", n), &n, |b, _| {
            let mut plan = FormationPlan {
                name: "Bench".into(),
                type_id: TYPE.into(),
                systems: Vec::new(),
            };
            b.iter(|| {
                plan.toggle(&id);
                rules::evaluate(&plan, &landscape, &catalog)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load, load_one_pass, candidates);
criterion_main!(benches);
