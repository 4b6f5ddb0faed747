// A CommonJS TypeScript consumer (`module: node16`): `import` compiles to `require`, the types are
// the package's CommonJS declarations, and the compiled file runs in Node.js (make test-node).
import { Policy, type Evaluation, type PolicyError } from "kiket-release-policy";
import { Policy as Authoring, type DiffReport } from "kiket-release-policy/authoring";

const policy = Policy.builtin();
const answer: Evaluation = policy.evaluate({
  now: "2026-11-30T15:00:00Z",
  release: {
    id: "REL-1", case_type: "Release", status: "pending_approval", status_since: "2026-11-30T09:00:00Z",
    custom_fields: { release_type: "minor" }, approvals: [],
  },
});
try {
  policy.evaluate("{}");
} catch (e) {
  const error = e as PolicyError;
  console.log(error.name, error.kind, error.path);
}
const impact: DiffReport = Authoring.diff(Authoring.builtin(), Authoring.builtin(), []);
console.log(answer.release_id, answer.chain?.current_level, impact.compared);
