"""Checks the shard wiring of manifests rendered by deploy/kubernetes/submit-eval.sh (no cluster runs here).

    check_k8s_manifests.py DIR SHARDS PARALLELISM GPUS IMAGE RUN WEIGHTS DATA DATA_CLAIM RESULTS_CLAIM EVAL_ARGS

Parses DIR/eval-shards.yaml and DIR/merge.yaml with PyYAML, checks the Indexed Job's fields and volumes, then runs
each pod's command line through /bin/sh with JOB_COMPLETION_INDEX set as Kubernetes sets it and an `effnet` on
PATH that prints its arguments, so what is checked is the argument list each pod would really run.
"""
import os
import shlex
import subprocess
import sys
import tempfile

import yaml

(out, shards, parallelism, gpus, image, run, weights, data, data_claim, results_claim, eval_args) = sys.argv[1:]
shards, parallelism, gpus = int(shards), int(parallelism), int(gpus)


def load(name):
    with open(os.path.join(out, name)) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    assert len(docs) == 1, f"{name}: expected one object, got {len(docs)}"
    return docs[0]


def argv_of(container, env):
    """The arguments the container's effnet would receive, running its command as the kubelet does."""
    command = container["command"] + container.get("args", [])
    assert command[:2] == ["/bin/sh", "-c"], command
    with tempfile.TemporaryDirectory() as bin_dir:
        stub = os.path.join(bin_dir, "effnet")
        with open(stub, "w") as f:
            f.write('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
        os.chmod(stub, 0o755)
        run_env = {"PATH": bin_dir + ":/usr/bin:/bin", **env}
        result = subprocess.run(command, env=run_env, capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def volumes(pod):
    mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
    claims = {v["name"]: v["persistentVolumeClaim"] for v in pod["volumes"]}
    assert set(mounts) == set(claims), (mounts, claims)
    return {m["mountPath"]: (claims[name]["claimName"], bool(m.get("readOnly")), bool(claims[name].get("readOnly")))
            for name, m in mounts.items()}


job = load("eval-shards.yaml")
assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job"), job["kind"]
spec = job["spec"]
assert spec["completionMode"] == "Indexed", spec.get("completionMode")
assert spec["completions"] == shards, (spec["completions"], shards)
assert 1 <= spec["parallelism"] <= spec["completions"], spec["parallelism"]
assert spec["parallelism"] == parallelism, spec["parallelism"]
pod = spec["template"]["spec"]
assert pod["restartPolicy"] == "Never", pod["restartPolicy"]
(container,) = pod["containers"]
assert container["image"] == image, container["image"]
assert container["resources"]["limits"]["nvidia.com/gpu"] == gpus, container["resources"]
assert volumes(pod) == {"/data": (data_claim, True, True), "/results": (results_claim, False, False)}, volumes(pod)

shard_outs = []
for index in range(shards):
    argv = argv_of(container, {"JOB_COMPLETION_INDEX": str(index)})
    expected = (["eval", "--weights", weights, "--data", data] + shlex.split(eval_args) +
                ["--shard", f"{index}/{shards}", "--out", f"/results/{run}/shard-{index}", "--resume"])
    assert argv == expected, f"pod {index} runs {argv}, expected {expected}"
    shard_outs.append(argv[argv.index("--out") + 1])
print(f"eval-shards.yaml: Indexed Job, {shards} completions, parallelism {parallelism}, pod k runs shard k/{shards}")

merge = load("merge.yaml")
assert (merge["apiVersion"], merge["kind"]) == ("batch/v1", "Job"), merge["kind"]
assert merge["metadata"]["name"] != job["metadata"]["name"]
merge_pod = merge["spec"]["template"]["spec"]
(merge_container,) = merge_pod["containers"]
assert merge_container["image"] == image, merge_container["image"]
assert volumes(merge_pod) == {"/results": (results_claim, False, False)}, volumes(merge_pod)
argv = argv_of(merge_container, {})
assert argv[:2] == ["eval", "merge"], argv
out_at = argv.index("--out")
# The merge reads exactly the folders the shard pods write, in shard order.
assert argv[2:out_at] == shard_outs, (argv[2:out_at], shard_outs)
assert argv[out_at + 1] == f"/results/{run}/merged", argv
print(f"merge.yaml: merges {len(shard_outs)} shard folders into /results/{run}/merged")
