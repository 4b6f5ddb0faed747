// The npm package's API. Every data type — requests, answers, errors — is generated from the
// engine's Rust types by ts-rs into ./gen when `make pkg` runs; this file only declares the class
// that takes and returns them.
import type { EvaluationRequest } from "./gen/EvaluationRequest.js";
import type { Evaluation } from "./gen/Evaluation.js";
import type { GuardAnswer } from "./gen/GuardAnswer.js";
import type { Timeline } from "./gen/Timeline.js";
import type { ValidationReport } from "./gen/ValidationReport.js";
import type { Diagnostic } from "./gen/Diagnostic.js";
import type { ErrorBody } from "./gen/ErrorBody.js";
import type { TransitionRef } from "./gen/TransitionRef.js";
import type { Outline } from "./gen/Outline.js";
import type { AnalyzeInput } from "./gen/AnalyzeInput.js";
import type { Analytics } from "./gen/Analytics.js";

export type { EvaluationRequest } from "./gen/EvaluationRequest.js";
export type { Release } from "./gen/Release.js";
export type { Approval } from "./gen/Approval.js";
export type { Directory } from "./gen/Directory.js";
export type { Delegation } from "./gen/Delegation.js";
export type { CalendarInput } from "./gen/CalendarInput.js";
export type { TransitionRef } from "./gen/TransitionRef.js";
export type { Evaluation } from "./gen/Evaluation.js";
export type { Chain } from "./gen/Chain.js";
export type { Level } from "./gen/Level.js";
export type { Group } from "./gen/Group.js";
export type { Why } from "./gen/Why.js";
export type { Escalation } from "./gen/Escalation.js";
export type { StepRecord } from "./gen/StepRecord.js";
export type { AuditEntry } from "./gen/AuditEntry.js";
export type { SlaRun } from "./gen/SlaRun.js";
export type { RecipeRun } from "./gen/RecipeRun.js";
export type { HostAction } from "./gen/HostAction.js";
export type { TransitionRow } from "./gen/TransitionRow.js";
export type { GuardAnswer } from "./gen/GuardAnswer.js";
export type { Timeline } from "./gen/Timeline.js";
export type { TimelineEvent } from "./gen/TimelineEvent.js";
export type { ValidationReport } from "./gen/ValidationReport.js";
export type { Diagnostic } from "./gen/Diagnostic.js";
export type { ErrorBody } from "./gen/ErrorBody.js";
export type { Outline } from "./gen/Outline.js";
export type { AnalyzeInput } from "./gen/AnalyzeInput.js";
export type { Analytics } from "./gen/Analytics.js";
export type { AlertState } from "./gen/AlertState.js";
export type { OutlineCaseType } from "./gen/OutlineCaseType.js";
export type { OutlineField } from "./gen/OutlineField.js";
export type { OutlineSeedCase } from "./gen/OutlineSeedCase.js";

/** A guard request: an evaluation request naming the transition asked about. */
export type GuardRequest = EvaluationRequest & { transition: TransitionRef };

/** A pack: file path (`workflows/release.yaml`, …) → YAML or JSON text, or the parsed object. */
export type PackFiles = Record<string, string | object>;

/** What the methods throw: an `Error` carrying SPEC §9's structured error. */
export type PolicyError = Error & ErrorBody & { name: "PolicyError" };

// `Symbol.dispose` for consumers whose `lib` predates it (es2022): the same declaration as
// TypeScript's own `esnext.disposable` and @types/node, so the three merge.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** A loaded policy: load it once, evaluate many requests. */
export declare class Policy {
  protected constructor();
  /** Releases the policy's memory in the WebAssembly module. */
  free(): void;
  /** `free()`, for `using policy = Policy.fromPack(…)` (TypeScript ≥ 5.2, `lib: esnext`). */
  [Symbol.dispose](): void;
  /** The pack compiled into the module (parsed once, shared). */
  static builtin(): Policy;
  /** Loads a pack; throws a `PolicyError` (`kind: "definitions"`, `file`, `line`, `column`, `errors`). */
  static fromPack(files: PackFiles): Policy;
  /** Validates a pack without keeping it. */
  static validate(files: PackFiles): ValidationReport;
  /** The files of the built-in pack, path → YAML text: a starting point for editing a pack. */
  static builtinFiles(): Record<string, string>;
  /** What the pack offers a form: states, transitions, case types and fields, roles, calendar, seed cases. */
  outline(): Outline;
  /** The load warnings of this pack. */
  warnings(): Diagnostic[];
  /** Evaluates a request (object or JSON text); throws a `PolicyError` on a bad request. */
  evaluate(request: EvaluationRequest | string): Evaluation;
  /** Evaluates many requests; a bad one yields `{ error }` in its place. */
  evaluateMany(requests: Array<EvaluationRequest | string>): Array<Evaluation | { error: ErrorBody }>;
  /** The guard's answer; never throws (anything wrong denies). */
  guard(request: GuardRequest | string): GuardAnswer;
  /** The projected schedule if nobody acts. */
  timeline(request: EvaluationRequest | string): Timeline;
  /** Deployment-health analytics over a release history; throws a `PolicyError` naming `releases[i]`. */
  analyze(input: AnalyzeInput | string): Analytics;
}
