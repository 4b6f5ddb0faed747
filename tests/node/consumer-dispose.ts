// A consumer with explicit resource management: `using` frees the policy when its block ends
// (`lib: esnext`; the package's own types declare `Symbol.dispose` for older libs). Compiled and run
// in Node.js by make test-node.
import { Policy, type PolicyError } from "kiket-release-policy";

let kept: Policy;
{
  using policy = Policy.fromPack(Policy.builtinFiles());
  kept = policy;
  console.log(policy.outline().workflows.length > 0 ? "loaded" : "empty");
}
try {
  kept.outline();
  console.log("still alive");
} catch (e) {
  console.log((e as PolicyError).name, (e as PolicyError).message);
}
