"""Checks deploy/jupyterhub/z2jh-values.yaml against the chart's keys it relies on and against the image it names
(no cluster runs here, so this is all that is checked): the single-user command exists in the image, the user and
the paths are the image's, a CPU and a GPU profile, culling on, the home on a persistent volume.
    check_z2jh.py VALUES"""
import pathlib
import re
import sys

import yaml

values_path = pathlib.Path(sys.argv[1])
repo = pathlib.Path(__file__).resolve().parents[3]
v = yaml.safe_load(values_path.read_text())
dockerfile = (repo / "Dockerfile").read_text()
problems = []


def need(ok, what):
    print(("ok      " if ok else "PROBLEM ") + what)
    if not ok:
        problems.append(what)


su = v["singleuser"]
need(bool(su["image"]["name"]) and bool(su["image"]["tag"]), "singleuser.image names an image and a tag")
need(su["cmd"] == "jupyterhub-singleuser", "singleuser.cmd is jupyterhub-singleuser")
requirements = (repo / "docker/requirements-jupyter.txt").read_text()
need(re.search(r"^jupyterhub==5\.", requirements, re.M) is not None,
     "the image's pip Jupyter (docker/requirements-jupyter.txt) pins jupyterhub 5 (the chart 4.x hub's major)")
need(re.search(r"^USER 1000:1000$", dockerfile, re.M) is not None and su["uid"] == 1000 and su["fsGid"] == 1000,
     "singleuser.uid/fsGid are the image's USER 1000:1000")

storage = su["storage"]
need(storage["type"] == "dynamic" and bool(storage["capacity"]), "storage: a dynamic persistent volume per student")
need(storage["homeMountPath"] == "/home/jovyan/work" and '"/home/jovyan/work"' in dockerfile,
     "the volume is mounted at the image's VOLUME /home/jovyan/work")
hook = " ".join(su["lifecycleHooks"]["postStart"]["exec"]["command"])
need("~/notebooks/." in hook and "~/work/notebooks/" in hook and re.search(r"\bcp\b[^;&]* -n\b", hook) is not None,
     "postStart copies the image's ~/notebooks into the volume without overwriting (cp -n)")
kit = (repo / "docker/install-kit.sh").read_text()
need('"$HOME/notebooks/"' in kit, "the image keeps the lessons in ~/notebooks (docker/install-kit.sh)")
need(su["defaultUrl"] == "/lab/tree/work/notebooks", "students land in the persistent copy of the lessons")

profiles = su["profileList"]
gpu = [p for p in profiles if p.get("kubespawner_override", {}).get("extra_resource_limits", {}).get("nvidia.com/gpu")]
cpu = [p for p in profiles if p not in gpu]
need(len(gpu) == 1 and str(gpu[0]["kubespawner_override"]["extra_resource_limits"]["nvidia.com/gpu"]) == "1",
     "one GPU profile with nvidia.com/gpu: 1")
need(len(cpu) == 1 and cpu[0].get("default") is True, "one CPU profile, the default")
need(cpu and cpu[0]["kubespawner_override"].get("environment", {}).get("NVIDIA_VISIBLE_DEVICES") == "void"
     and "NVIDIA_VISIBLE_DEVICES=all" in dockerfile,
     "the CPU profile hides the GPUs that the image's NVIDIA_VISIBLE_DEVICES=all would expose")

cull = v["cull"]
need(cull["enabled"] is True and int(cull["timeout"]) > 0 and int(cull["every"]) > 0, "culling is on")

print(f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
