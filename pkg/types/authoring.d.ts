// The authoring module (`kiket-release-policy/authoring`): the same `Policy` as the main entry
// point, plus policy tests, change impact and the editor schemas (SPEC §12). A separate module, so
// that the preview and the hosts that only evaluate do not load them.
import type { PackFiles, EvaluationRequest, AnalyzeInput } from "./api.js";
import { Policy as BasePolicy } from "./api.js";
import type { TestReport } from "./gen/TestReport.js";
import type { DiffReport } from "./gen/DiffReport.js";

export * from "./api.js";
export type { TestReport } from "./gen/TestReport.js";
export type { TestOutcome } from "./gen/TestOutcome.js";
export type { Mismatch } from "./gen/Mismatch.js";
export type { Coverage } from "./gen/Coverage.js";
export type { LevelCoverage } from "./gen/LevelCoverage.js";
export type { LeafCoverage } from "./gen/LeafCoverage.js";
export type { RecipeCoverage } from "./gen/RecipeCoverage.js";
export type { StepCoverage } from "./gen/StepCoverage.js";
export type { TransitionCoverage } from "./gen/TransitionCoverage.js";
export type { DiffReport } from "./gen/DiffReport.js";
export type { Changed } from "./gen/Changed.js";
export type { Change } from "./gen/Change.js";
export type { SummaryLine } from "./gen/SummaryLine.js";

/** The file kinds the editor schemas cover. */
export type SchemaKind = "workflow" | "automation_recipe" | "automations" | "case_types" | "workspace" | "dashboard" | "board";

/** `diff`'s input: requests, or the object form sharing `now`, `directory` and `calendar`. */
export type DiffInput = Array<EvaluationRequest | string> | AnalyzeInput | string;

/** A loaded policy, with the authoring tools. */
export declare class Policy extends BasePolicy {
  /** The pack compiled into the module (parsed once, shared). */
  static builtin(): Policy;
  /** Loads a pack; throws a `PolicyError` (`kind: "definitions"`, `file`, `line`, `column`, `errors`). */
  static fromPack(files: PackFiles): Policy;
  /**
   * Runs policy tests (test file path → YAML or JSON text) against this pack; `coverage: true` adds
   * what they exercised. Throws a `PolicyError` (`kind: "definitions"`, `file`, `line`) for a
   * malformed test file.
   */
  test(files: Record<string, string | object>, options?: { coverage?: boolean }): TestReport;
  /** What changing the pack from `before` to `after` does to each request. */
  static diff(before: Policy, after: Policy, requests: DiffInput): DiffReport;
  /** The editor schemas (JSON Schema 2020-12), by file kind. */
  static schema(): Record<SchemaKind, Record<string, unknown>>;
}
