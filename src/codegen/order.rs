//! The order of the items within each layer of a layered drawing: the step that decides how
//! many edges cross.
//!
//! Items are the boxes and the waypoints of edges spanning several layers; an edge joins items
//! of adjacent layers. Items of a cluster (a task group) stay contiguous in every layer the
//! cluster spans, so its frame can be a rectangle holding nothing else: each layer is a
//! sequence of *units*, a unit being one free item or one cluster's items in that layer (empty
//! in a layer the cluster spans without an item there, where it still reserves its place).
//!
//! Clusters keep one order among themselves in every layer (a band cannot be left of another
//! in one layer and right of it in the next), re-ranked between sweeps by their mean position.
//!
//! The order is found by the barycenter heuristic (Sugiyama et al.): sweeping down, each
//! layer's units are sorted by the mean position of their neighbours in the layer above;
//! sweeping up, in the layer below. After each sweep, adjacent units (and adjacent items of a
//! cluster) are swapped wherever that removes crossings ("transpose"). The best order seen,
//! by total crossing count, is kept. Every key is an integer and every sort is stable with the
//! current position as tie-break, so the result depends on nothing but the input.

/// A layered graph to order.
pub struct Layered {
    /// Layer of each item.
    pub layer: Vec<usize>,
    /// Cluster of each item, if any.
    pub cluster: Vec<Option<usize>>,
    /// `(upper, lower)` items of adjacent layers.
    pub edges: Vec<(usize, usize)>,
}

/// One place in a layer: a free item, or a cluster with its items of that layer (maybe none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub cluster: Option<usize>,
    pub items: Vec<usize>,
}

/// Layers of units, top first.
pub type Rows = Vec<Vec<Unit>>;

/// Rounds of a down sweep and an up sweep.
const ROUNDS: usize = 12;
/// Counting crossings takes time quadratic in the edge segments between two layers: past this
/// many pairs of segments (summed over the layers) they are not counted, and one barycenter
/// sweep orders the drawing, in time linear in its size.
const COUNTING_BUDGET: usize = 4_000_000;
/// Positions are scaled by this before averaging, so means stay integers but keep precision.
const SCALE: i64 = 1 << 10;

/// The units of each layer, clusters contiguous, from items listed in their initial order.
pub fn initial(g: &Layered, order: &[usize]) -> Rows {
    let depth = g.layer.iter().map(|l| l + 1).max().unwrap_or(0);
    let mut rows: Rows = vec![Vec::new(); depth];
    let mut span: Vec<(usize, usize)> = Vec::new();
    for &i in order {
        if let Some(c) = g.cluster[i] {
            if span.len() <= c {
                span.resize(c + 1, (usize::MAX, 0));
            }
            span[c] = (span[c].0.min(g.layer[i]), span[c].1.max(g.layer[i]));
        }
    }
    for &i in order {
        let row = &mut rows[g.layer[i]];
        match g.cluster[i] {
            None => row.push(Unit {
                cluster: None,
                items: vec![i],
            }),
            Some(c) => {
                // A cluster's first item also places it in every layer of its span.
                if !rows[g.layer[i]].iter().any(|u| u.cluster == Some(c)) {
                    for row in rows.iter_mut().take(span[c].1 + 1).skip(span[c].0) {
                        if !row.iter().any(|u| u.cluster == Some(c)) {
                            row.push(Unit {
                                cluster: Some(c),
                                items: Vec::new(),
                            });
                        }
                    }
                }
                let row = &mut rows[g.layer[i]];
                let unit = row.iter_mut().find(|u| u.cluster == Some(c)).unwrap();
                unit.items.push(i);
            }
        }
    }
    rows
}

/// Neighbours of every item: `(above, below)`.
pub(super) fn neighbours(g: &Layered) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut up = vec![Vec::new(); g.layer.len()];
    let mut down = vec![Vec::new(); g.layer.len()];
    for &(a, b) in &g.edges {
        down[a].push(b);
        up[b].push(a);
    }
    (up, down)
}

/// Scaled position of every item in its layer (an empty cluster unit takes a slot too), and
/// of every cluster in each layer, kept up to date one layer at a time.
struct Positions {
    item: Vec<i64>,
    cluster: Vec<Vec<(usize, i64)>>,
}

impl Positions {
    fn of(rows: &Rows, items: usize) -> Positions {
        let mut p = Positions {
            item: vec![0; items],
            cluster: vec![Vec::new(); rows.len()],
        };
        for l in 0..rows.len() {
            p.update(rows, l);
        }
        p
    }

    fn update(&mut self, rows: &Rows, l: usize) {
        self.cluster[l].clear();
        let mut slot = 0;
        for unit in &rows[l] {
            let first = slot;
            if unit.items.is_empty() {
                slot += 1;
            }
            for &i in &unit.items {
                self.item[i] = slot * SCALE;
                slot += 1;
            }
            if let Some(c) = unit.cluster {
                self.cluster[l].push((c, (first + slot - 1) * SCALE / 2));
            }
        }
    }
}

/// Edge crossings between every pair of adjacent layers.
pub fn crossings(g: &Layered, rows: &Rows) -> usize {
    let pos = Positions::of(rows, g.layer.len()).item;
    let mut by_gap: Vec<Vec<(i64, i64)>> = vec![Vec::new(); rows.len()];
    for &(a, b) in &g.edges {
        by_gap[g.layer[a]].push((pos[a], pos[b]));
    }
    by_gap.iter_mut().map(|e| inversions(e)).sum()
}

/// Pairs of `(top, bottom)` segments that cross (strictly opposite order at both ends).
fn inversions(edges: &mut [(i64, i64)]) -> usize {
    edges.sort();
    let mut count = 0;
    for (k, a) in edges.iter().enumerate() {
        count += edges[k + 1..]
            .iter()
            .filter(|b| b.0 > a.0 && b.1 < a.1)
            .count();
    }
    count
}

/// Orders every layer to reduce crossings, starting from `rows` (clusters in one order).
pub fn reduce_crossings(g: &Layered, mut rows: Rows) -> Rows {
    let (up, down) = neighbours(g);
    let mut p = Positions::of(&rows, g.layer.len());
    let mut per_gap = vec![0usize; rows.len()];
    for &(a, _) in &g.edges {
        per_gap[g.layer[a]] += 1;
    }
    if per_gap.iter().map(|n| n * n).sum::<usize>() > COUNTING_BUDGET {
        // One down sweep, linear in the drawing: counting crossings is not.
        let rank = cluster_rank(&rows);
        for l in 1..rows.len() {
            sort_layer(&mut rows, &p, l, l - 1, &up);
            impose_rank(&mut rows[l], &rank);
            p.update(&rows, l);
        }
        return rows;
    }
    let mut best = rows.clone();
    let mut best_count = crossings(g, &rows);
    for _ in 0..ROUNDS {
        if best_count == 0 {
            break;
        }
        let before = rows.clone();
        for down_sweep in [true, false] {
            let rank = cluster_rank(&rows);
            let layers: Vec<usize> = if down_sweep {
                (1..rows.len()).collect()
            } else {
                (0..rows.len().saturating_sub(1)).rev().collect()
            };
            for l in layers {
                if down_sweep {
                    sort_layer(&mut rows, &p, l, l - 1, &up);
                } else {
                    sort_layer(&mut rows, &p, l, l + 1, &down);
                }
                impose_rank(&mut rows[l], &rank);
                p.update(&rows, l);
            }
            transpose(g, &mut rows, &up, &down);
            p = Positions::of(&rows, g.layer.len());
            let count = crossings(g, &rows);
            if count < best_count {
                (best, best_count) = (rows.clone(), count);
            }
        }
        if rows == before {
            break;
        }
    }
    best
}

/// Rank of every cluster: by its mean slot across the layers it spans, ties by number.
fn cluster_rank(rows: &Rows) -> Vec<usize> {
    let mut sums: Vec<(i64, i64)> = Vec::new();
    for row in rows {
        let mut slot = 0i64;
        for unit in row {
            if let Some(c) = unit.cluster {
                if sums.len() <= c {
                    sums.resize(c + 1, (0, 0));
                }
                sums[c].0 += slot * SCALE;
                sums[c].1 += 1;
            }
            slot += unit.items.len().max(1) as i64;
        }
    }
    let mut by_mean: Vec<(i64, usize)> = sums
        .iter()
        .enumerate()
        .map(|(c, &(s, n))| (if n == 0 { 0 } else { s / n }, c))
        .collect();
    by_mean.sort();
    let mut rank = vec![0; sums.len()];
    for (r, (_, c)) in by_mean.into_iter().enumerate() {
        rank[c] = r;
    }
    rank
}

/// Reorders the cluster units of `row` by `rank`, in the places cluster units hold.
fn impose_rank(row: &mut [Unit], rank: &[usize]) {
    let places: Vec<usize> = (0..row.len())
        .filter(|&k| row[k].cluster.is_some())
        .collect();
    let mut units: Vec<Unit> = places.iter().map(|&k| row[k].clone()).collect();
    units.sort_by_key(|u| u.cluster.map(|c| rank[c]));
    for (k, unit) in places.into_iter().zip(units) {
        row[k] = unit;
    }
}

/// Sorts layer `l` by the barycenters of its items' neighbours in the fixed layer `fixed`.
fn sort_layer(rows: &mut Rows, p: &Positions, l: usize, fixed: usize, adjacent: &[Vec<usize>]) {
    let (pos, cluster_pos) = (&p.item, &p.cluster);
    let barycenter = |i: usize| -> Option<i64> {
        let n = &adjacent[i];
        (!n.is_empty()).then(|| n.iter().map(|&j| pos[j]).sum::<i64>() / n.len() as i64)
    };
    let row = &mut rows[l];
    let mut keyed: Vec<(i64, usize, Unit)> = Vec::with_capacity(row.len());
    let mut slot = 0i64;
    for (k, unit) in row.drain(..).enumerate() {
        let here = slot * SCALE;
        slot += unit.items.len().max(1) as i64;
        let mut unit = unit;
        let key = match unit.cluster {
            None => barycenter(unit.items[0]).unwrap_or(here),
            Some(c) => {
                let mut members: Vec<(i64, usize, usize)> = unit
                    .items
                    .iter()
                    .enumerate()
                    .map(|(m, &i)| (barycenter(i).unwrap_or(pos[i]), m, i))
                    .collect();
                members.sort();
                let known: Vec<i64> = unit.items.iter().filter_map(|&i| barycenter(i)).collect();
                unit.items = members.into_iter().map(|(_, _, i)| i).collect();
                if !known.is_empty() {
                    known.iter().sum::<i64>() / known.len() as i64
                } else {
                    cluster_pos[fixed]
                        .iter()
                        .find(|(d, _)| *d == c)
                        .map_or(here, |(_, p)| *p)
                }
            }
        };
        keyed.push((key, k, unit));
    }
    keyed.sort_by_key(|(key, k, _)| (*key, *k));
    *row = keyed.into_iter().map(|(_, _, u)| u).collect();
}

/// Crossings between the edges of item lists `left` and `right` (left placed before right)
/// and their neighbours at positions `pos`.
fn pair_crossings(left: &[usize], right: &[usize], adjacent: &[Vec<usize>], pos: &[i64]) -> usize {
    let mut count = 0;
    for &a in left {
        for &b in right {
            for &na in &adjacent[a] {
                count += adjacent[b].iter().filter(|&&nb| pos[nb] < pos[na]).count();
            }
        }
    }
    count
}

/// Swaps adjacent units, and adjacent items within a cluster, while that removes crossings
/// with the layers above and below.
fn transpose(g: &Layered, rows: &mut Rows, up: &[Vec<usize>], down: &[Vec<usize>]) {
    let mut p = Positions::of(rows, g.layer.len());
    for _ in 0..4 {
        let mut improved = false;
        for l in 0..rows.len() {
            let pos = &p.item;
            let cost = |a: &[usize], b: &[usize]| {
                pair_crossings(a, b, up, pos) + pair_crossings(a, b, down, pos)
            };
            for k in 0..rows[l].len().saturating_sub(1) {
                // Two clusters keep their order: it is the same in every layer.
                if rows[l][k].cluster.is_some() && rows[l][k + 1].cluster.is_some() {
                    continue;
                }
                let (a, b) = (&rows[l][k].items, &rows[l][k + 1].items);
                if cost(b, a) < cost(a, b) {
                    rows[l].swap(k, k + 1);
                    improved = true;
                }
            }
            for unit in rows[l].iter_mut() {
                for k in 0..unit.items.len().saturating_sub(1) {
                    let (a, b) = (unit.items[k], unit.items[k + 1]);
                    if cost(&[b], &[a]) < cost(&[a], &[b]) {
                        unit.items.swap(k, k + 1);
                        improved = true;
                    }
                }
            }
            p.update(rows, l);
        }
        if !improved {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untangles_a_crossed_pair() {
        // 0 1 over 2 3 with edges 0-3 and 1-2: one crossing, none once 2 and 3 swap.
        let g = Layered {
            layer: vec![0, 0, 1, 1],
            cluster: vec![None; 4],
            edges: vec![(0, 3), (1, 2)],
        };
        let rows = initial(&g, &[0, 1, 2, 3]);
        assert_eq!(crossings(&g, &rows), 1);
        assert_eq!(crossings(&g, &reduce_crossings(&g, rows)), 0);
    }

    #[test]
    fn clusters_stay_contiguous_in_every_layer_they_span() {
        // Cluster 0 holds 0 (layer 0) and 5 (layer 2); layer 1 has only free items.
        let g = Layered {
            layer: vec![0, 0, 1, 1, 1, 2, 2],
            cluster: vec![Some(0), None, None, None, None, Some(0), None],
            edges: vec![(0, 4), (1, 2), (1, 3), (4, 5), (2, 6), (3, 5)],
        };
        let rows = reduce_crossings(&g, initial(&g, &[0, 1, 2, 3, 4, 5, 6]));
        for row in &rows {
            assert_eq!(row.iter().filter(|u| u.cluster == Some(0)).count(), 1);
        }
        assert!(
            rows[1]
                .iter()
                .any(|u| u.cluster == Some(0) && u.items.is_empty())
        );
    }

    #[test]
    fn clusters_keep_one_order_in_every_layer() {
        // Clusters 0 = {0, 3} and 1 = {1, 2}, edges 0-2 and 1-3: swapping the clusters in one
        // layer only would remove the crossing, but bands must not cross.
        let g = Layered {
            layer: vec![0, 0, 1, 1],
            cluster: vec![Some(0), Some(1), Some(1), Some(0)],
            edges: vec![(0, 2), (1, 3)],
        };
        let rows = reduce_crossings(&g, initial(&g, &[0, 1, 2, 3]));
        let order = |row: &Vec<Unit>| row.iter().map(|u| u.cluster).collect::<Vec<_>>();
        assert_eq!(order(&rows[0]), order(&rows[1]));
    }
}
