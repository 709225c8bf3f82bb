use formation_wizard::{catalog::Catalog, landscape::Landscape, plan::FormationPlan, rules};
fn main() {
    let c = Catalog::embedded().unwrap();
    let t = std::time::Instant::now();
    let l = Landscape::load(std::path::Path::new("/tmp/big.json"), &c).unwrap();
    eprintln!("load {:?}", t.elapsed());
    let mut plan = FormationPlan {
        name: "X".into(),
        type_id: "sap-task-center".into(),
        systems: vec![],
    };
    let t = std::time::Instant::now();
    let r = rules::evaluate(&plan, &l, &c);
    eprintln!(
        "evaluate {:?} candidates {}",
        t.elapsed(),
        r.candidates.len()
    );
    plan.add(
        &r.candidates
            .iter()
            .find(|c| c.selectable)
            .unwrap()
            .id
            .clone(),
    );
    let t = std::time::Instant::now();
    let r = rules::evaluate(&plan, &l, &c);
    eprintln!("evaluate after toggle {:?} {}", t.elapsed(), r.valid);
    let t = std::time::Instant::now();
    let mut ch = rules::Checker::new("sap-task-center", &l, &c).unwrap();
    eprintln!("checker new {:?}", t.elapsed());
    let id = l.systems[ch.position(0)].id.clone();
    let t = std::time::Instant::now();
    ch.toggle(&l, &c, &id);
    let n = (0..ch.len()).filter(|&i| ch.selectable(i)).count();
    eprintln!("toggle + count selectable {:?} {n}", t.elapsed());
    let t = std::time::Instant::now();
    let f = ch.findings("X", &l, &c);
    eprintln!("findings {:?} {}", t.elapsed(), f.0.len());
    let t = std::time::Instant::now();
    for tt in &c.formation_types {
        let _ = rules::availability(tt, &l, &c);
    }
    eprintln!("availability all types {:?}", t.elapsed());
}
#[allow(dead_code)]
fn unused() {}
