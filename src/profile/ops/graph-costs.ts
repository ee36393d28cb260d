/**
 * graphOpCosts: every node's FLOPs, bytes and arithmetic intensity from a graph's shapes, propagated from
 * concrete input shapes (and, for the graph ORT ran, seeded with the output shapes its trace recorded).
 */
import type { OnnxGraph } from './onnx-read.js';
import { opCost, type OpCost } from './costs.js';
import { propagateShapes, type KnownTensor } from './shapes.js';

/** NodeCost is one node's cost; `cost` is null when a tensor it needs has unknown dims. */
export interface NodeCost {
  name: string;
  opType: string;
  domain: string;
  cost: OpCost | null;
  /** flops ÷ bytes, or null without a cost. */
  intensity: number | null;
}

/** graphOpCosts costs every node of `graph` in graph order. */
export function graphOpCosts(
  graph: OnnxGraph,
  inputShapes: Record<string, readonly number[]>,
  seeds?: ReadonlyMap<string, readonly KnownTensor[]>,
): NodeCost[] {
  const known = propagateShapes(graph, inputShapes, seeds);
  return graph.nodes.map((node) => {
    const get = (n: string): KnownTensor | undefined => (n === '' ? undefined : (known.get(n) ?? { elemType: 1, dims: null }));
    const cost = opCost(node.opType, node.attrs, node.inputs.map(get), node.outputs.map(get));
    const intensity = cost === null || cost.bytes <= 0 ? null : cost.flops / cost.bytes;
    return { name: node.name, opType: node.opType, domain: node.domain, cost, intensity };
  });
}
