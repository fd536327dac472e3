/**
 * FFM's mini-batch step with Adam in WebAssembly SIMD (f32x4), the two functions ffm-wasm.ts adds to its module:
 * `grad` sums each row's block gradients into the thread's gradient region of the table's memory and flags the
 * blocks the pairs use; `adam` then steps every flagged block of the batch's features (Kingma & Ba 2015, with the
 * lazy semantics of kernel.ts: blocks no pair used keep their weights and moments) and clears the region for the
 * next batch. The same arithmetic as `kernelAccumulate` + `kernelApply` in float32, with the L2 term added per use
 * as the pairs are summed (λ·w per use, which `kernelApply` adds as λ·uses·w at the end: the same sum, since
 * pointwise rows without sampled negatives make the data and L2 scales equal).
 *
 * The region has the table's layout (block (i, f) at the same offset from its start as in the table), so a block's
 * gradient, moments and flag are found from its table address by fixed deltas. The step is bound by memory: each row
 * reads and writes ~F² blocks scattered over tables far larger than the caches, and with every feature of a batch
 * touched the step reads and writes four table-sized arrays (weights, two moments, gradient); in TypeScript it was
 * bound by the float64 square root and divisions per coordinate instead (kernelApply: 13 ns a coordinate).
 *
 * Batched staging (kernel.ts, `kernelStageFfm`): per entry, words 0 factor row address, 1 field·k·4, 2 gradient row
 * address, 3 flag row address, 4 x, 5 field·4.
 */
import {
  ADD, F32, F32_MUL, F32_SUB, F32X4_ADD, F32X4_DIV, F32X4_MUL, F32X4_SPLAT, F32X4_SQRT, F32X4_SUB, I32, MUL, V128, f32, f32LoadAt,
  f32x4Const, forLoop, get, i32, i32LoadAt, i32StoreAt, ifThen, set, tee, v128LoadAt, v128StoreAt, type TypedFunction,
} from '@fm/layers/wasm-bytecode';

/** `grad(ent, m, gr, l2)` for factor size k (k/4 vectors per block) over staged entries of `E` bytes. */
export function gradFunction(k: number, E: number): TypedFunction {
  const lanes = Array.from({ length: k / 4 }, (_, c) => c);
  // params 0 ent, 1 m, 2 gr, 3 l2; i32 locals 4 pj, 5 pl, 6 end, 7 vRow_j, 8 fk_j, 9 gRow_j, 10 flagRow_j, 11 f4_j,
  // 12 o1, 13 o2, 14 g1, 15 g2; f32 16 gr·x_j; v128 17 cc, 18 l2, then v1, v2 per lane group
  const v1 = (c: number) => 19 + 2 * c;
  const v2 = (c: number) => 20 + 2 * c;
  const flag = (row: number[], field: number[]) => [...row, ...field, ...ADD, ...i32(1), ...i32StoreAt(0)];
  /** g += cc·other + l2·own, at byte 16c of address local `g`. */
  const add = (g: number, other: number, own: number, c: number) => [
    ...get(g), ...get(g), ...v128LoadAt(16 * c), ...get(17), ...get(other), ...F32X4_MUL, ...F32X4_ADD,
    ...get(18), ...get(own), ...F32X4_MUL, ...F32X4_ADD, ...v128StoreAt(16 * c),
  ];
  const body = [
    ...get(1), ...i32(E), ...MUL, ...get(0), ...ADD, ...set(6),
    ...get(3), ...F32X4_SPLAT, ...set(18),
    ...forLoop(4, get(0), get(6), i32(E), [
      ...get(4), ...i32LoadAt(0), ...set(7),
      ...get(4), ...i32LoadAt(4), ...set(8),
      ...get(4), ...i32LoadAt(8), ...set(9),
      ...get(4), ...i32LoadAt(12), ...set(10),
      ...get(4), ...i32LoadAt(20), ...set(11),
      ...get(2), ...get(4), ...f32LoadAt(16), ...F32_MUL, ...set(16),
      ...forLoop(5, [...get(4), ...i32(E), ...ADD], get(6), i32(E), [
        ...get(7), ...get(5), ...i32LoadAt(4), ...ADD, ...set(12),
        ...get(9), ...get(5), ...i32LoadAt(4), ...ADD, ...set(14),
        ...get(5), ...i32LoadAt(0), ...get(8), ...ADD, ...set(13),
        ...get(5), ...i32LoadAt(8), ...get(8), ...ADD, ...set(15),
        ...flag(get(10), [...get(5), ...i32LoadAt(20)]),
        ...flag([...get(5), ...i32LoadAt(12)], get(11)),
        ...get(16), ...get(5), ...f32LoadAt(16), ...F32_MUL, ...F32X4_SPLAT, ...set(17),
        ...lanes.flatMap((c) => [...get(12), ...v128LoadAt(16 * c), ...set(v1(c)), ...get(13), ...v128LoadAt(16 * c), ...set(v2(c))]),
        // all of g1 before g2: a feature listed twice in a row can make them one block
        ...lanes.flatMap((c) => add(14, v2(c), v1(c), c)),
        ...lanes.flatMap((c) => add(15, v1(c), v2(c), c)),
      ]),
    ]),
  ];
  return { name: 'grad', params: [I32, I32, F32, F32], results: [], locals: [[12, I32], [1, F32], [2 + 2 * lanes.length, V128]], body };
}

/** `adam(list, count, vOff, vRow, F, gDelta, fOff, mDelta, sDelta, sData, lrc, ic2, beta1, beta2, eps)` for factor size k. */
export function adamFunction(k: number): TypedFunction {
  const lanes = Array.from({ length: k / 4 }, (_, c) => c);
  // params 0 list, 1 count, 2 vOff, 3 vRow, 4 F, 5 gDelta, 6 fOff, 7 mDelta, 8 sDelta (i32), 9 sData, 10 lrc, 11 ic2,
  // 12 beta1, 13 beta2, 14 eps (f32); i32 locals 15 pi, 16 end, 17 blk, 18 flag, 19 flagEnd; v128 20 sData, 21 lrc,
  // 22 ic2, 23 beta1, 24 1 − beta1, 25 beta2, 26 1 − beta2, 27 eps, 28 g, 29 m, 30 s
  const splat = (from: number[], to: number) => [...from, ...F32X4_SPLAT, ...set(to)];
  const at = (delta: number) => [...get(17), ...get(delta), ...ADD];
  const coordinates = (c: number) => [
    ...at(5), ...v128LoadAt(16 * c), ...get(20), ...F32X4_MUL, ...set(28),
    ...at(7), ...at(7), ...v128LoadAt(16 * c), ...get(23), ...F32X4_MUL, ...get(24), ...get(28), ...F32X4_MUL, ...F32X4_ADD, ...tee(29), ...v128StoreAt(16 * c),
    ...at(8), ...at(8), ...v128LoadAt(16 * c), ...get(25), ...F32X4_MUL, ...get(26), ...get(28), ...get(28), ...F32X4_MUL, ...F32X4_MUL, ...F32X4_ADD,
    ...tee(30), ...v128StoreAt(16 * c),
    // w − lrc·m / (√s·ic2 + eps): kernelApply's w − (lr·m/c1) / (√s/c2 + eps)
    ...get(17), ...get(17), ...v128LoadAt(16 * c), ...get(21), ...get(29), ...F32X4_MUL,
    ...get(30), ...F32X4_SQRT, ...get(22), ...F32X4_MUL, ...get(27), ...F32X4_ADD, ...F32X4_DIV, ...F32X4_SUB, ...v128StoreAt(16 * c),
    ...at(5), ...f32x4Const(0), ...v128StoreAt(16 * c),
  ];
  const body = [
    ...get(1), ...i32(4), ...MUL, ...get(0), ...ADD, ...set(16),
    ...splat(get(9), 20), ...splat(get(10), 21), ...splat(get(11), 22),
    ...splat(get(12), 23), ...splat([...f32(1), ...get(12), ...F32_SUB], 24),
    ...splat(get(13), 25), ...splat([...f32(1), ...get(13), ...F32_SUB], 26),
    ...splat(get(14), 27),
    ...forLoop(15, get(0), get(16), i32(4), [
      ...get(15), ...i32LoadAt(0), ...get(3), ...MUL, ...get(2), ...ADD, ...set(17),
      ...get(15), ...i32LoadAt(0), ...get(4), ...MUL, ...i32(4), ...MUL, ...get(6), ...ADD, ...set(18),
      ...get(18), ...get(4), ...i32(4), ...MUL, ...ADD, ...set(19),
      ...forLoop(18, get(18), get(19), i32(4), [
        ...get(18), ...i32LoadAt(0), ...ifThen([...get(18), ...i32(0), ...i32StoreAt(0), ...lanes.flatMap(coordinates)]),
        ...get(17), ...i32(4 * k), ...ADD, ...set(17),
      ]),
    ]),
  ];
  return {
    name: 'adam',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32],
    results: [],
    locals: [[5, I32], [11, V128]],
    body,
  };
}
