/*
 * @chainrules/core — what rule authors and users import. Adapter authors add the kit,
 * `@chainrules/core/adapter` (src/adapter.ts).
 */

// Tangents: the zeros, structural tangents, thunks, and their algebra.
export { NoTangent, ZeroTangent, isNoTangent, isZero, isZeroTangent } from './tangents/zeros';
export type { AbstractZero } from './tangents/zeros';
export { Tangent, isTangent } from './tangents/tangent';
export type { Differentiable, NonDifferentiableLeaf, TangentFields, TangentOf } from './tangents/tangent';
export { isThunk, thunk, unthunk } from './tangents/thunk';
export { isNotImplemented, notImplemented } from './tangents/notImplemented';
export type { NotImplemented } from './tangents/notImplemented';
export type { Thunk } from './tangents/thunk';
export { add, scale, zeroLike } from './tangents/algebra';

// Rules: defining them, the raw contracts, how often they ran.
export { defineRule, nonDifferentiable, optOut } from './rules/defineRule';
export { scalarRule } from './rules/scalarRule';
export type { ScalarPartials, ScalarRuleContext, ScalarRuleSpec } from './rules/scalarRule';
export type { CotangentOf, ForwardTangents, OptionsOf, PositionalOf, PullbackSlots, RuleArgs, RuleBodies, RuleHead, RuleOptions, RuleOutput, RuleSpec } from './rules/spec';
export type { ArgsAt, ArraysIn, AtArray, HasDiffFields, IsOptionsRecord, KwargsFor, KwcallArgs, KwcallOptions, OptionFieldMismatch, OptionFieldsMismatch, OptionsMismatch, OptionsParamOf, RuleArrayOf } from './rules/signature';
export { frule, hasRule, kwcall, rrule, ruleRuns } from './rules/contracts';
export type { FruleResult, Kwcall, NotKwcall, RruleResult, RuleRuns } from './rules/contracts';
export type { AnyFunction, OptOutPredicate, Pullback } from './rules/types';
export { kw } from './options/kw';
export type { DiffBrand, DiffSchema, IsDiffSchema } from './options/kw';
export type { DifferentiableTree } from './options/tree';

// Engines: array namespaces, adapters, configs, the projection of cotangents.
export type { ArrayApi, ReduceOptions, Scoped } from './engines/arrayApi';
export type { AbstractArray, ArrayTypes, EngineArray, Widen } from './engines/arrayTypes';
export { numberApi } from './engines/numberApi';
export type { Adapter } from './engines/adapter';
export { adapterOf, installAdapter, installedAdapters, namespaceOf } from './engines/adapters';
export { isRuleConfig, numberConfig, ruleConfig } from './engines/config';
export type { RuleConfig } from './engines/config';
export { projectTo } from './engines/project';
export type { ProjectOptions } from './engines/project';

// Rule traces and the watch mode: was a rule used, and if not, why.
export { traceRules, RuleTrace } from './trace/traceRules';
export type { Traced } from './trace/traceRules';
export type { TracedCall, TracedFallback, TracedRuleSummary, TracedRun, TracedTangent } from './trace/types';
export { FALLBACK_CODES } from './trace/reasons';
export type { FallbackCode } from './trace/reasons';
export { watchRules } from './trace/watch';
export type { RuleFallbackWarning, WatchOptions } from './trace/watch';

// Errors.
export { RuleError, escapeText, isRuleError } from './errors';
export type { RuleErrorCode, RuleErrorDetails } from './errors';
