// Node-only entry of the fused engine (worker_threads).
export { hogwildRunner, fusedFitNode, defaultFusedThreads } from './hogwild-node.js';
