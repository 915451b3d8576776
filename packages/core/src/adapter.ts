/*
 * @chainrules/core/adapter — the adapter kit: what an engine adapter needs beyond its engine.
 * An adapter receives a `RuleCall`, speaks to it in leaves (values in, one cotangent or tangent
 * per leaf out), vets what it does not hand its engine with `guardStatic` and `findValue`, and
 * brings cotangents onto their inputs with `projectTo`. See docs/writing-adapters.md.
 */
export { ruleCallOf } from './kit/callImpl';
export type { CallLeaf, OptionLeaf, RuleCall } from './kit/ruleCall';
export { argumentInputs, isContainer, leafTangents, treeLeaves, treeTangent, treeWith } from './kit/tree';
export type { ArgumentInput, ArgumentInputs, TreeContext, TreeLeaf } from './kit/tree';
export { findValue } from './engines/search';
export type { FoundValue, SearchContext } from './engines/search';
export { projectTo } from './engines/project';
export type { ProjectOptions } from './engines/project';
export { withAdapter } from './engines/adapters';
export type { Adapter } from './engines/adapter';
