//! The horizontal position of every item of an ordered layered drawing (see [`super::order`]).
//!
//! Each item wants to sit at the mean of its neighbours' centres, so edges run as straight as
//! they can; the order within a layer and a minimum gap between items are hard constraints.
//! For one layer with its neighbours fixed that is an isotonic regression, solved exactly by
//! pooling adjacent violators (PAV); sweeping it down and up the layers settles the drawing
//! (the "priority" family of placements, without the drift of placing each layer alone).
//!
//! A cluster is a rigid band, the same left edge and width in every layer it spans, so its
//! frame is a rectangle that holds its items and nothing else. In a layer sweep the bands are
//! fixed obstacles and the free items between two of them are placed within that room; after
//! each sweep every band moves towards the mean wish of its items, as far as its neighbours in
//! all its layers let it. Within its band, a cluster's items are placed last, by the same
//! regression bounded by the band. All arithmetic is on integers.

use super::order::{Layered, Rows, Unit};

/// Down-and-up sweeps.
const ROUNDS: usize = 10;
const FAR: i64 = i64::MAX / 4;

/// Horizontal room: item widths, the gap between neighbours (`narrow_gap` between two
/// waypoints, so long edges run as bundles), a cluster's inner padding and the least width of
/// each cluster (its title).
pub struct Room<'a> {
    pub width: &'a [i64],
    pub waypoint: &'a [bool],
    pub gap: i64,
    pub narrow_gap: i64,
    pub pad: i64,
    pub cluster_min: &'a [i64],
}

impl Room<'_> {
    fn gap(&self, a: &Unit, b: &Unit) -> i64 {
        let narrow = |u: &Unit| u.cluster.is_none() && self.waypoint[u.items[0]];
        if narrow(a) && narrow(b) {
            self.narrow_gap
        } else {
            self.gap
        }
    }

    /// Gaps between consecutive items of one cluster's layer.
    fn item_gaps(&self, items: &[usize]) -> Vec<i64> {
        items
            .windows(2)
            .map(|p| {
                if self.waypoint[p[0]] && self.waypoint[p[1]] {
                    self.narrow_gap
                } else {
                    self.gap
                }
            })
            .collect()
    }

    /// Width of `items` packed with their gaps.
    fn packed(&self, items: &[usize]) -> i64 {
        items.iter().map(|&i| self.width[i]).sum::<i64>()
            + self.item_gaps(items).iter().sum::<i64>()
    }
}

/// Centres of the items and `(left, width)` of each cluster's band; the leftmost thing is at 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub cx: Vec<i64>,
    pub bands: Vec<(i64, i64)>,
}

/// Where each unit of each layer starts: a free unit's own left edge, or its cluster's band.
struct State {
    /// Left edge of each unit, per layer (for cluster units, a copy of the band's).
    left: Vec<Vec<i64>>,
    band: Vec<i64>,
    band_width: Vec<i64>,
}

pub fn place(g: &Layered, rows: &Rows, room: &Room) -> Placement {
    let clusters = room.cluster_min.len();
    let packed = |items: &[usize]| room.packed(items);
    let mut band_width = room.cluster_min.to_vec();
    for unit in rows.iter().flatten() {
        if let Some(c) = unit.cluster {
            band_width[c] = band_width[c].max(packed(&unit.items) + 2 * room.pad);
        }
    }
    let unit_width = |unit: &Unit| match unit.cluster {
        Some(c) => band_width[c],
        None => room.width[unit.items[0]],
    };
    let mut state = State {
        left: rows.iter().map(|r| vec![0; r.len()]).collect(),
        band: vec![0; clusters],
        band_width: band_width.clone(),
    };
    // A first legal drawing: every layer packed from the left, bands pushed right until every
    // layer they span has room for them (clusters are in one order in every layer, so this
    // settles within a pass per cluster).
    for _ in 0..=clusters + 1 {
        let mut moved = false;
        for (l, row) in rows.iter().enumerate() {
            let mut cursor = 0;
            for (k, unit) in row.iter().enumerate() {
                let x = match unit.cluster {
                    Some(c) => {
                        if state.band[c] < cursor {
                            state.band[c] = cursor;
                            moved = true;
                        }
                        state.band[c]
                    }
                    None => cursor,
                };
                state.left[l][k] = x;
                cursor = x + unit_width(unit) + row.get(k + 1).map_or(0, |n| room.gap(unit, n));
            }
        }
        if !moved {
            break;
        }
    }
    // Bands were pushed after earlier layers were packed: settle the copies once more.
    for (l, row) in rows.iter().enumerate() {
        for (k, unit) in row.iter().enumerate() {
            if let Some(c) = unit.cluster {
                state.left[l][k] = state.band[c];
            }
        }
    }

    let (up, down) = super::order::neighbours(g);
    // Centres of the items of layer `l`; a cluster's are centred in its band until the final
    // pass places them.
    let row_centres = |state: &State, l: usize, cx: &mut [i64]| {
        for (k, unit) in rows[l].iter().enumerate() {
            match unit.cluster {
                None => cx[unit.items[0]] = state.left[l][k] + room.width[unit.items[0]] / 2,
                Some(c) => {
                    let mut x = state.left[l][k] + (state.band_width[c] - packed(&unit.items)) / 2;
                    let gaps = room.item_gaps(&unit.items);
                    for (m, &i) in unit.items.iter().enumerate() {
                        cx[i] = x + room.width[i] / 2;
                        x += room.width[i] + gaps.get(m).copied().unwrap_or(0);
                    }
                }
            }
        }
    };
    let centres = |state: &State| -> Vec<i64> {
        let mut cx = vec![0; g.layer.len()];
        for l in 0..rows.len() {
            row_centres(state, l, &mut cx);
        }
        cx
    };
    // Where item `i` would like its centre: the mean centre of its neighbours on the chosen
    // side, else of the other side, else where it is.
    let wish = |cx: &[i64], i: usize, first: &[Vec<usize>], second: &[Vec<usize>]| -> i64 {
        for n in [&first[i], &second[i]] {
            if !n.is_empty() {
                return n.iter().map(|&j| cx[j]).sum::<i64>() / n.len() as i64;
            }
        }
        cx[i]
    };
    let both: Vec<Vec<usize>> = (0..g.layer.len())
        .map(|i| up[i].iter().chain(&down[i]).copied().collect())
        .collect();
    let none: Vec<Vec<usize>> = vec![Vec::new(); g.layer.len()];

    for round in 0..ROUNDS {
        let layers: Vec<usize> = if round % 2 == 0 {
            (0..rows.len()).collect()
        } else {
            (0..rows.len()).rev().collect()
        };
        let (first, second) = if round % 2 == 0 {
            (&up, &down)
        } else {
            (&down, &up)
        };
        let mut cx = centres(&state);
        for l in layers {
            place_free_units(rows, l, room, &unit_width, &mut state, |i| {
                wish(&cx, i, first, second) - room.width[i] / 2
            });
            row_centres(&state, l, &mut cx);
        }
        let cx = centres(&state);
        move_bands(rows, room, &mut state, &cx, |i| wish(&cx, i, &both, &none));
    }

    // The items of each cluster, within its band.
    let mut cx = centres(&state);
    for (l, row) in rows.iter().enumerate() {
        for (k, unit) in row.iter().enumerate() {
            let Some(c) = unit.cluster else { continue };
            if unit.items.is_empty() {
                continue;
            }
            let lo = state.left[l][k] + room.pad;
            let hi = state.left[l][k] + state.band_width[c] - room.pad;
            let widths: Vec<i64> = unit.items.iter().map(|&i| room.width[i]).collect();
            let wishes: Vec<i64> = unit
                .items
                .iter()
                .map(|&i| wish(&cx, i, &both, &none) - room.width[i] / 2)
                .collect();
            let lefts = regress(&wishes, &widths, &room.item_gaps(&unit.items), lo, hi);
            for (&i, x) in unit.items.iter().zip(lefts) {
                cx[i] = x + room.width[i] / 2;
            }
        }
    }
    Placement {
        cx,
        bands: state.band.iter().copied().zip(band_width).collect(),
    }
}

/// Places the free units of layer `l` as close to `wish(item)` (a wished left edge) as the
/// order, the gaps and the fixed bands allow.
fn place_free_units(
    rows: &Rows,
    l: usize,
    room: &Room,
    unit_width: &dyn Fn(&Unit) -> i64,
    state: &mut State,
    wish: impl Fn(usize) -> i64,
) {
    let row = &rows[l];
    let mut k = 0;
    while k < row.len() {
        if row[k].cluster.is_some() {
            k += 1;
            continue;
        }
        let start = k;
        while k < row.len() && row[k].cluster.is_none() {
            k += 1;
        }
        let lo = if start == 0 {
            -FAR
        } else {
            state.left[l][start - 1]
                + unit_width(&row[start - 1])
                + room.gap(&row[start - 1], &row[start])
        };
        let hi = if k == row.len() {
            FAR
        } else {
            state.left[l][k] - room.gap(&row[k - 1], &row[k])
        };
        let widths: Vec<i64> = row[start..k].iter().map(unit_width).collect();
        let wishes: Vec<i64> = row[start..k].iter().map(|u| wish(u.items[0])).collect();
        let gaps: Vec<i64> = row[start..k]
            .windows(2)
            .map(|p| room.gap(&p[0], &p[1]))
            .collect();
        let lefts = regress(&wishes, &widths, &gaps, lo, hi);
        state.left[l][start..k].copy_from_slice(&lefts);
    }
}

/// Moves every band towards the mean wish (a wished centre) of its items, keeping it clear of
/// its neighbours in every layer it spans.
fn move_bands(
    rows: &Rows,
    room: &Room,
    state: &mut State,
    cx: &[i64],
    wish: impl Fn(usize) -> i64,
) {
    for c in 0..state.band.len() {
        let (mut lo, mut hi) = (-FAR, FAR);
        let (mut sum, mut count) = (0i64, 0i64);
        for (l, row) in rows.iter().enumerate() {
            let Some(k) = row.iter().position(|u| u.cluster == Some(c)) else {
                continue;
            };
            if k > 0 {
                let w = match row[k - 1].cluster {
                    Some(d) => state.band_width[d],
                    None => room.width[row[k - 1].items[0]],
                };
                lo = lo.max(state.left[l][k - 1] + w + room.gap(&row[k - 1], &row[k]));
            }
            if k + 1 < row.len() {
                hi = hi.min(
                    state.left[l][k + 1] - room.gap(&row[k], &row[k + 1]) - state.band_width[c],
                );
            }
            for &i in &row[k].items {
                sum += wish(i) - (cx[i] - state.band[c]);
                count += 1;
            }
        }
        if count == 0 || lo > hi {
            continue;
        }
        let x = (sum / count).clamp(lo, hi);
        state.band[c] = x;
        for (l, row) in rows.iter().enumerate() {
            if let Some(k) = row.iter().position(|u| u.cluster == Some(c)) {
                state.left[l][k] = x;
            }
        }
    }
}

/// Left edges for boxes of `widths`, in this order, `gaps` apart, within `[lo, hi]` (the right
/// end of the last box at most `hi`), nearest to `wishes` in least squares: pool adjacent
/// violators on the wishes less each box's offset in the packed row, then clamp.
fn regress(wishes: &[i64], widths: &[i64], gaps: &[i64], lo: i64, hi: i64) -> Vec<i64> {
    let mut offset = Vec::with_capacity(widths.len());
    let mut at = 0;
    for (k, w) in widths.iter().enumerate() {
        offset.push(at);
        at += w + gaps.get(k).copied().unwrap_or(0);
    }
    let total = at;
    // Blocks of (sum, count) with non-decreasing means.
    let mut blocks: Vec<(i64, i64)> = Vec::new();
    for (w, o) in wishes.iter().zip(&offset) {
        let mut block = (w - o, 1);
        while let Some(&(s, n)) = blocks.last() {
            // prev mean > this mean, compared without division
            if s as i128 * block.1 as i128 > block.0 as i128 * n as i128 {
                blocks.pop();
                block = (block.0 + s, block.1 + n);
            } else {
                break;
            }
        }
        blocks.push(block);
    }
    let (lo_y, hi_y) = (lo, (hi - total).max(lo));
    let mut out = Vec::with_capacity(widths.len());
    for (s, n) in blocks {
        let y = s.div_euclid(n).clamp(lo_y, hi_y);
        for _ in 0..n {
            out.push(y + offset[out.len()]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_keeps_order_gaps_and_bounds() {
        // Both want 0: they share the room around it.
        assert_eq!(regress(&[0, 0], &[10, 10], &[4], -100, 100), vec![-7, 7]);
        // Bounded on the left.
        assert_eq!(regress(&[0, 0], &[10, 10], &[4], 0, 100), vec![0, 14]);
        // Far apart wishes are met.
        assert_eq!(regress(&[0, 50], &[10, 10], &[4], -100, 100), vec![0, 50]);
    }
}
