//! The Systems step's table for one formation type, worked out once when the type is
//! chosen (O(candidates)): the rows in display order, the text the filter searches and
//! how wide each column's content is. Drawing then touches only the visible rows.

use crate::catalog::Catalog;
use crate::landscape::Landscape;
use crate::rules::{Checker, registration};
use crate::tui::filter::SearchIndex;

/// The columns of a row, after the selection marker. The type is not a column: the rows
/// are grouped under a header that names it.
pub const COLUMNS: [&str; 5] = ["Name", "Id", "Status", "Groups", "Formations"];

/// No column is sized past this, however long its longest value.
const WIDEST: usize = 48;

/// A status up to this wide is a word the table keeps whole while the groups or the
/// formations show: no Director condition is wider (`CREATE_SUCCEEDED`), nor a one-word
/// status of a landscape file (`Deregistering`); a longer one ("Error while
/// Registering") shares the room with the other columns.
pub const STATUS_WORD: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Checker indices in display order: grouped by the allowed type they count against
    /// (in the catalog's order), those no single-system rule stops first, then in
    /// landscape order.
    pub order: Vec<usize>,
    /// Per column, the width of its widest value (at most `WIDEST`) or of its title.
    pub natural: [usize; 5],
    /// The width of the widest status that is at most `STATUS_WORD` wide (or of the
    /// title): the status column is never narrower while another column shares its room.
    pub status_words: usize,
}

/// A system's shown values: name, id, status, scenario groups, formations (raw; the
/// caller neutralises what it prints). `also_in` names a formation the landscape leaves
/// out but the system is in (the one systems are being added to).
///
/// The status and the groups are the ones the rules read: on a Director (a system with a
/// `condition`) its condition, and the groups of its latest registration token, so that a
/// system read again after it connected shows what it is now.
pub fn cells(
    landscape: &Landscape,
    catalog: &Catalog,
    pos: usize,
    also_in: Option<&str>,
) -> [String; 5] {
    let s = &landscape.systems[pos];
    let or_none = |v: String, none: &str| if v.is_empty() { none.to_owned() } else { v };
    let formations: Vec<&str> = also_in
        .into_iter()
        .chain(landscape.formations_of(pos).map(|f| f.name.as_str()))
        .collect();
    [
        s.name.clone(),
        s.id.clone(),
        or_none(
            s.condition.as_deref().unwrap_or(s.status_str()).to_owned(),
            "no status",
        ),
        // Credentials that cannot read registration tokens cannot say "none": the
        // Director hides them from these credentials.
        or_none(
            registration::display_groups(catalog, s).join(", "),
            if s.token_unreadable { "hidden" } else { "none" },
        ),
        or_none(formations.join(", "), "none"),
    ]
}

/// The table and the search text (in display order: a row's filter index is its display
/// position) over every column shown, the type included.
/// `cells` gives a system's shown values by landscape position (see `cells`).
pub fn build(
    checker: &Checker,
    landscape: &Landscape,
    cells: impl Fn(usize) -> [String; 5],
) -> (Table, SearchIndex) {
    let mut order: Vec<usize> = (0..checker.len()).collect();
    order.sort_by_key(|&i| (checker.bucket(i), !checker.free(i)));
    let mut natural = COLUMNS.map(crate::text::width);
    let mut status_words = natural[2];
    let rows: Vec<[String; 6]> = order
        .iter()
        .map(|&i| {
            let pos = checker.position(i);
            let c = cells(pos);
            for (n, v) in natural.iter_mut().zip(&c) {
                *n = (*n).max(crate::text::width(v).min(WIDEST));
            }
            let status = crate::text::width(&c[2]);
            if status <= STATUS_WORD {
                status_words = status_words.max(status);
            }
            let [name, id, status, groups, formations] = c;
            let ty = landscape.systems[pos].system_type.as_str().to_owned();
            [name, id, ty, status, groups, formations]
        })
        .collect();
    let search = SearchIndex::new(rows.iter().map(|r| r.iter()));
    let table = Table {
        order,
        natural,
        status_words,
    };
    (table, search)
}
