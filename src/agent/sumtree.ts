/**
 * Sum tree over a fixed number of leaves for proportional prioritized replay (Schaul et al. 2016).
 * Stored as one Float64Array heap (node i has children 2i and 2i+1; leaves start at `size`), so
 * updates and proportional look-ups are O(log n) and allocate nothing. Float64 keeps the running
 * sums exact enough that millions of updates do not drift the root.
 */
export class SumTree {
  readonly leaves: number;
  private readonly size: number;
  private readonly tree: Float64Array;

  constructor(leaves: number) {
    if (!Number.isInteger(leaves) || leaves < 1) throw new Error(`SumTree: leaves must be a positive integer, got ${leaves}`);
    this.leaves = leaves;
    let size = 1;
    while (size < leaves) size *= 2;
    this.size = size;
    this.tree = new Float64Array(2 * size);
  }

  get total(): number {
    return this.tree[1];
  }

  get(i: number): number {
    return this.tree[this.size + i];
  }

  set(i: number, value: number): void {
    if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`SumTree.set: priority must be finite and >= 0, got ${value}`);
    let node = this.size + i;
    this.tree[node] = value;
    node >>= 1;
    while (node >= 1) {
      this.tree[node] = this.tree[2 * node] + this.tree[2 * node + 1];
      node >>= 1;
    }
  }

  /** Leaf index whose cumulative range contains u, for u in [0, total). */
  find(u: number): number {
    let node = 1;
    while (node < this.size) {
      const left = this.tree[2 * node];
      if (u < left) {
        node = 2 * node;
      } else {
        u -= left;
        node = 2 * node + 1;
      }
    }
    let leaf = node - this.size;
    // Float rounding can push u past the last non-zero leaf; step back onto one with mass.
    if (leaf >= this.leaves) leaf = this.leaves - 1;
    while (leaf > 0 && this.tree[this.size + leaf] === 0) leaf--;
    return leaf;
  }

  /** Copy of the leaf priorities (for checkpoints). */
  getLeaves(): Float64Array {
    return this.tree.slice(this.size, this.size + this.leaves);
  }

  setLeaves(values: Float64Array): void {
    if (values.length !== this.leaves) throw new Error(`SumTree.setLeaves: expected ${this.leaves} values, got ${values.length}`);
    this.tree.fill(0);
    this.tree.set(values, this.size);
    for (let node = this.size - 1; node >= 1; node--) this.tree[node] = this.tree[2 * node] + this.tree[2 * node + 1];
  }
}
