import * as tf from '@tensorflow/tfjs';

/** A float32 kernel written in TypeScript over the backends that keep tensors in host memory (wasm, cpu). */
export interface HostKernelSpec {
  /** Input names, in the order `run` receives their values. */
  readonly inputs: readonly string[];
  /** The output shape from the input shapes (and the op's numeric attributes). */
  outputShape(shapes: readonly number[][], attrs: Readonly<Record<string, number>>): number[];
  /**
   * Writes every element of `out` (`[size of outputShape]`, not zeroed) from the inputs' values; `scratch` is
   * working memory of {@link scratch} floats (not zeroed), on the same heap as the other views on wasm.
   */
  run(values: readonly Float32Array[], shapes: readonly number[][], out: Float32Array, attrs: Readonly<Record<string, number>>, scratch: Float32Array): void;
  /** Floats of working memory `run` needs (none when absent): on wasm a heap allocation freed after the call. */
  scratch?(shapes: readonly number[][], attrs: Readonly<Record<string, number>>): number;
}

/** An op made of a forward {@link HostKernelSpec} and one gradient kernel per differentiable input. */
export interface HostOpSpec extends HostKernelSpec {
  /** The kernel name (unique; prefixed `Fm`); gradient kernels are named `${name}Grad_${input}`. */
  readonly name: string;
  /**
   * Gradient kernels by forward input name. Their inputs are drawn from `dy` (the output's gradient), `y`
   * (the output) and the forward inputs; they get the op's attributes. Inputs without one get no gradient (zeros).
   */
  readonly grads: Readonly<Record<string, HostKernelSpec>>;
}

/** The backends host kernels are registered on. */
export const HOST_BACKENDS = ['wasm', 'cpu'] as const;

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}
interface CpuLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

function inputInfos(name: string, spec: HostKernelSpec, inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  return spec.inputs.map((input) => {
    const t = inputs[input];
    if (t === undefined) throw new Error(`${name}: missing input '${input}'`);
    if (t.dtype !== 'float32') throw new Error(`${name}: input '${input}' must be float32, got ${t.dtype}`);
    return t;
  });
}

function kernelFunc(name: string, spec: HostKernelSpec, backendName: (typeof HOST_BACKENDS)[number]): tf.KernelFunc {
  if (backendName === 'wasm') {
    return ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmLike;
      const a = (attrs ?? {}) as Record<string, number>;
      const infos = inputInfos(name, spec, inputs);
      const shapes = infos.map((t) => t.shape);
      // allocate first: a later allocation may grow the heap and detach earlier views
      const out = b.makeOutput(spec.outputShape(shapes, a), 'float32');
      const floats = spec.scratch?.(shapes, a) ?? 0;
      const scratch = floats > 0 ? b.makeOutput([floats], 'float32') : undefined;
      try {
        spec.run(
          infos.map((t) => b.typedArrayFromHeap(t)),
          shapes,
          b.typedArrayFromHeap(out),
          a,
          scratch === undefined ? new Float32Array(0) : b.typedArrayFromHeap(scratch),
        );
      } finally {
        if (scratch !== undefined) b.disposeData(scratch.dataId);
      }
      return out;
    };
  }
  return ({ inputs, backend, attrs }) => {
    const b = backend as unknown as CpuLike;
    const a = (attrs ?? {}) as Record<string, number>;
    const infos = inputInfos(name, spec, inputs);
    const shapes = infos.map((t) => t.shape);
    const shape = spec.outputShape(shapes, a);
    const out = new Float32Array(shape.reduce((p, c) => p * c, 1));
    spec.run(
      infos.map((t) => b.readSync(t.dataId) as Float32Array),
      shapes,
      out,
      a,
      new Float32Array(spec.scratch?.(shapes, a) ?? 0),
    );
    return b.makeTensorInfo(shape, 'float32', out);
  };
}

function register(name: string, spec: HostKernelSpec): void {
  for (const backendName of HOST_BACKENDS) {
    if (tf.getKernel(name, backendName) === undefined) tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernelFunc(name, spec, backendName) });
  }
}

/**
 * Registers `spec` (its forward kernel, its gradient kernels and its gradient) on the wasm and cpu backends,
 * once (a second registration, e.g. from a second copy of this package, is skipped), and returns the op: it runs
 * the kernel where the active backend has it, and `composite()` (stock tfjs ops with the same maths and
 * their own gradients) elsewhere — webgl, webgpu, tensorflow.
 * @internal
 */
export function defineHostOp(
  spec: HostOpSpec,
): (inputs: Record<string, tf.Tensor>, composite: () => tf.Tensor, attrs?: Record<string, number>) => tf.Tensor {
  const gradName = (input: string) => `${spec.name}Grad_${input}`;
  register(spec.name, spec);
  for (const [input, grad] of Object.entries(spec.grads)) register(gradName(input), grad);
  const usesOutput = Object.values(spec.grads).some((g) => g.inputs.includes('y'));
  if (tf.getGradient(spec.name) === undefined) {
    tf.registerGradient({
      kernelName: spec.name,
      inputsToSave: [...spec.inputs],
      outputsToSave: [usesOutput],
      gradFunc: (dy, saved, attrs) => {
        const named: Record<string, tf.Tensor> = { dy: dy as tf.Tensor };
        spec.inputs.forEach((input, i) => (named[input] = saved[i] as tf.Tensor));
        if (usesOutput) named['y'] = saved[spec.inputs.length] as tf.Tensor;
        const out: Record<string, () => tf.Tensor> = {};
        for (const input of spec.inputs) {
          const grad = spec.grads[input];
          out[input] = grad
            ? () => tf.engine().runKernel(gradName(input), Object.fromEntries(grad.inputs.map((n) => [n, named[n] as tf.Tensor])), attrs) as tf.Tensor
            : () => tf.zerosLike(named[input] as tf.Tensor);
        }
        return out;
      },
    });
  }
  const names = [spec.name, ...Object.keys(spec.grads).map(gradName)];
  return (inputs, composite, attrs = {}) => {
    const backend = tf.getBackend();
    return names.every((n) => tf.getKernel(n, backend) !== undefined) ? (tf.engine().runKernel(spec.name, inputs, attrs) as tf.Tensor) : composite();
  };
}
