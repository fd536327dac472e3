// Node only: worker threads that run @fm/layers' heap-module calls over the threaded wasm backend's shared memory.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { HeapCall, HeapHelpers } from '@fm/layers';

/** Slots of a helper's control array. */
const REQUEST = 0; // the sequence number of the latest calls written to the mailbox
const DONE = 1; // the last finished one (negated when a call threw)
const HELPER_ASLEEP = 2; // 1 while the helper is (about to be) in Atomics.wait: only then does a request notify it
const CALLER_ASLEEP = 3; // 1 while the caller is (about to be) in Atomics.wait for DONE: only then is it notified
/**
 * How long a helper spins for the next request, and the caller for a helper's DONE, before sleeping in
 * `Atomics.wait`: a notify that wakes a sleeper cost ~94 µs on this machine's VM (7,743 of them: 0.73 s of a
 * 29 s AutoInt run), and requests come a few tens of µs apart while a model trains. Spinning checks the clock
 * every 256 reads.
 */
const HELPER_SPIN_MS = 0.3;
const CALLER_SPIN_MS = 2;
/** How long the calling thread waits for a helper before it gives up (the calls take milliseconds). */
const WAIT_LIMIT_MS = 120_000;
/** The mailbox's first size in int32s; a longer list of calls gets a bigger one. */
const MAILBOX_INTS = 1 << 14;

/**
 * A helper's loop (CommonJS, in its own thread): it spins a little for the next request, then sleeps in
 * `Atomics.wait` (a message through the event loop cost ~0.2 ms a call on this machine). On a request it first takes
 * whatever the port holds (`receiveMessageOnPort`, synchronously): compiled modules with the memory to instantiate
 * them over, and bigger mailboxes. The mailbox holds: the instance's id, the number of calls, then per call the
 * export's index (in the module's export list), its argument count and its arguments.
 */
const HELPER_SOURCE = `'use strict';
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const control = new Int32Array(workerData.control);
const port = workerData.port;
let mailbox = new Int32Array(workerData.mailbox);
const instances = new Map();
let last = 0;
for (;;) {
  let seq = Atomics.load(control, ${REQUEST});
  for (let i = 1, until = performance.now() + ${HELPER_SPIN_MS}; seq === last; i++) {
    if ((i & 255) === 0 && performance.now() > until) break;
    seq = Atomics.load(control, ${REQUEST});
  }
  if (seq === last) {
    // asleep first, then compare-and-wait: a request stored after the caller read 0 here is seen by the wait
    Atomics.store(control, ${HELPER_ASLEEP}, 1);
    Atomics.wait(control, ${REQUEST}, last);
    Atomics.store(control, ${HELPER_ASLEEP}, 0);
    continue;
  }
  last = seq;
  let done = seq;
  try {
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      const msg = m.message;
      if (msg.type === 'module') {
        const exports = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } }).exports;
        instances.set(msg.id, msg.names.map((n) => exports[n]));
      } else if (msg.type === 'mailbox') mailbox = new Int32Array(msg.buffer);
    }
    const fns = instances.get(mailbox[0]);
    const count = mailbox[1];
    for (let c = 0, p = 2; c < count; c++) {
      const argc = mailbox[p + 1];
      fns[mailbox[p]].apply(null, mailbox.subarray(p + 2, p + 2 + argc));
      p += 2 + argc;
    }
  } catch (e) {
    process.stderr.write('fm heap helper: ' + ((e && e.stack) || e) + '\\n');
    done = -seq;
  }
  Atomics.store(control, ${DONE}, done);
  if (Atomics.load(control, ${CALLER_ASLEEP}) === 1) Atomics.notify(control, ${DONE});
}
`;

interface Helper {
  worker: Worker;
  port: MessagePort;
  control: Int32Array;
  mailbox: Int32Array;
  seq: number;
  /** Per compiled module and memory: the instance's id and its export names. */
  known: WeakMap<object, WeakMap<object, { id: number; names: Map<string, number> }>>;
}

/** The export names of a compiled module, in order. */
function exportNames(module: object): string[] {
  const api = (globalThis as unknown as { WebAssembly: { Module: { exports(m: object): { name: string }[] } } }).WebAssembly;
  return api.Module.exports(module).map((e) => e.name);
}

/**
 * `count` worker threads for {@link HeapHelpers} (`registerHeapHelpers` of @fm/layers). A list of calls goes into
 * the helper's shared mailbox and wakes it (a notify only where it sleeps); once its own part is done the caller
 * spins on the helper's control slot, then blocks on it (`Atomics.wait`). The workers do not keep the process alive.
 */
export function nodeHeapHelpers(count: number): HeapHelpers {
  let nextId = 1;
  const helpers: Helper[] = Array.from({ length: count }, () => {
    const control = new Int32Array(new SharedArrayBuffer(4 * 4));
    const mailbox = new Int32Array(new SharedArrayBuffer(4 * MAILBOX_INTS));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(HELPER_SOURCE, {
      eval: true,
      workerData: { control: control.buffer, mailbox: mailbox.buffer, port: port2 },
      transferList: [port2],
    });
    worker.unref();
    port1.unref();
    return { worker, port: port1, control, mailbox, seq: 0, known: new WeakMap() };
  });
  return {
    count,
    start(index: number, module: object, memory: object, calls: readonly HeapCall[]): () => void {
      const h = helpers[index];
      if (h === undefined) throw new Error(`heap helpers: no helper ${index} (there are ${count})`);
      let byMemory = h.known.get(module);
      if (byMemory === undefined) h.known.set(module, (byMemory = new WeakMap()));
      let instance = byMemory.get(memory);
      if (instance === undefined) {
        const names = exportNames(module);
        instance = { id: nextId++, names: new Map(names.map((n, i) => [n, i])) };
        byMemory.set(memory, instance);
        h.port.postMessage({ type: 'module', id: instance.id, module, memory, names });
      }
      let size = 2;
      for (const c of calls) size += c.length + 1;
      if (size > h.mailbox.length) {
        h.mailbox = new Int32Array(new SharedArrayBuffer(4 * 2 ** Math.ceil(Math.log2(size))));
        h.port.postMessage({ type: 'mailbox', buffer: h.mailbox.buffer });
      }
      const box = h.mailbox;
      box[0] = instance.id;
      box[1] = calls.length;
      let p = 2;
      for (const [name, ...args] of calls) {
        const fn = instance.names.get(name);
        if (fn === undefined) throw new Error(`heap helpers: the module exports no ${name}`);
        box[p] = fn;
        box[p + 1] = args.length;
        box.set(args, p + 2);
        p += 2 + args.length;
      }
      const seq = ++h.seq;
      Atomics.store(h.control, REQUEST, seq);
      if (Atomics.load(h.control, HELPER_ASLEEP) === 1) Atomics.notify(h.control, REQUEST);
      const finished = (done: number) => {
        if (done === -seq) throw new Error('a heap helper thread failed (its error is on stderr)');
        return done === seq;
      };
      return () => {
        const until = performance.now() + CALLER_SPIN_MS;
        for (let i = 1; !finished(Atomics.load(h.control, DONE)); i++) {
          if ((i & 255) === 0 && performance.now() > until) break;
        }
        if (finished(Atomics.load(h.control, DONE))) return;
        // asleep first, then compare-and-wait: a DONE stored after the helper read 0 here is seen by the wait
        Atomics.store(h.control, CALLER_ASLEEP, 1);
        try {
          const t0 = Date.now();
          for (;;) {
            const done = Atomics.load(h.control, DONE);
            if (finished(done)) return;
            if (Date.now() - t0 > WAIT_LIMIT_MS) throw new Error(`a heap helper thread did not finish in ${WAIT_LIMIT_MS / 1000} s`);
            Atomics.wait(h.control, DONE, done, 1000);
          }
        } finally {
          Atomics.store(h.control, CALLER_ASLEEP, 0);
        }
      };
    },
  };
}
