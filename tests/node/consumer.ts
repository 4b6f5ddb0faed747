// A TypeScript consumer of the installed package, compiled with `tsc --strict` (make test-node).
// It must compile, and the `@ts-expect-error` lines must be errors: the types are real, not `any`.
import { Policy, type Evaluation, type EvaluationRequest, type GuardAnswer, type PolicyError } from "kiket-release-policy";

const request: EvaluationRequest = {
  now: "2026-11-30T15:00:00Z",
  release: {
    id: "REL-1",
    case_type: "Release",
    status: "pending_approval",
    status_since: "2026-11-30T09:00:00Z",
    custom_fields: { release_type: "minor" },
    approvals: [{ level: 1, approver: "quinn", decision: "approve", at: "2026-11-30T10:00:00Z" }],
  },
  directory: { roles: { qa_lead: ["quinn"] } },
};

const policy = Policy.builtin();
const answer: Evaluation = policy.evaluate(request);
// `chain` is null for a workflow without an approval chain (SPEC §13).
const current: number | null | undefined = answer.chain?.current_level;
const firstLevel = answer.chain?.levels[0];
const logic: "AND" | "OR" | undefined = firstLevel?.logic;
const guard: GuardAnswer = policy.guard({ ...request, transition: { from: "pending_approval", to: "production" } });
const verdict: "allow" | "pending" | "deny" = guard.status;
const next: string | undefined = answer.escalation.next?.at;
const severities: string[] | undefined = policy.outline().case_types[1]?.fields.find((f) => f.type === "select")?.options;
const workflowText: string | undefined = Policy.builtinFiles()["workflows/release.yaml"];

try {
  policy.evaluate("{}");
} catch (e) {
  const error = e as PolicyError;
  const kind: string = error.kind;
  console.log(kind, error.path);
}

// @ts-expect-error — a misspelt field of the answer is a compile error
void answer.chain?.curent_level;
// @ts-expect-error — a decision is "approve" or "reject"
const bad: EvaluationRequest["release"]["approvals"] = [{ level: 1, approver: "q", decision: "approved", at: "x" }];

console.log(current, logic, verdict, next, bad, severities, workflowText?.length);

// Counts are numbers at run time (serde-wasm-bindgen), and so in the types: arithmetic compiles.
const health = policy.analyze({ now: "2026-11-30T15:00:00Z", releases: [] });
const perWeek: number = health.releases / Math.max(1, health.velocity.length);
const deployments: number = health.velocity.reduce((sum, week) => sum + week.count, 0);
console.log(perWeek, deployments);

// The authoring module: typed policy tests, change impact and schemas.
import { Policy as AuthoringPolicy, type TestReport, type DiffReport } from "kiket-release-policy/authoring";
const author = AuthoringPolicy.builtin();
const report: TestReport = author.test({ "tests/a.yaml": "name: a\nrequest: {}\nexpect: {}\n" }, { coverage: true });
const percent: number | undefined = report.coverage?.percent;
const firstPath: string | undefined = report.tests[0]?.failure?.path;
const impact: DiffReport = AuthoringPolicy.diff(author, AuthoringPolicy.fromPack(AuthoringPolicy.builtinFiles()), [request]);
const level: number | undefined = impact.changed[0]?.changes[0]?.level;
const workflowSchema: Record<string, unknown> = AuthoringPolicy.schema().workflow;
// @ts-expect-error — `schema()` has no such kind
void AuthoringPolicy.schema().workflows;
console.log(percent, firstPath, level, workflowSchema, author.evaluate(request).chain?.state);
