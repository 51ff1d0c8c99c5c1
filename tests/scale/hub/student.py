"""A student in a browser, for tests/scale/hub.sh: logs in through the hub's form, starts and waits for their server,
and talks to it the way the Notebook page does (cookies, _xsrf, the kernel's websocket). Cookies persist in JAR
between calls, so each step is its own named check.
    student.py HUB JAR login USER PASSWORD         the form logs USER in (exit 0) or refuses (exit 3)
    student.py HUB JAR spawn USER                  starts USER's server and waits until its API answers
    student.py HUB JAR kernelspecs USER            the server lists .net-csharp, started --http-local-only
    student.py HUB JAR reach USER OTHER            prints the status USER's browser gets from OTHER's file list
    student.py HUB JAR run USER NOTEBOOK [CODE…]   runs the cells CODE…, then NOTEBOOK's code cells (a path in
                                                   USER's home, read through the server) in a .net-csharp kernel
    student.py HUB JAR put USER PATH TEXT          writes TEXT into a file of USER's home (a student's edit)
    student.py HUB JAR cat USER PATH               prints a file of USER's home
    student.py HUB JAR delete USER PATH            deletes a file of USER's home
    student.py HUB JAR running USER                exit 0 when USER's server runs, 4 when it does not
"""
import json
import pickle
import re
import sys
import time
import uuid

import requests
from tornado import httpclient, ioloop, websocket


class Student:
    def __init__(self, hub, jar):
        self.hub, self.jar = hub.rstrip("/"), jar
        self.s = requests.Session()
        # JupyterHub refuses cookie-authenticated API requests without a Referer from its own origin (CSRF).
        self.s.headers["Referer"] = f"{self.hub}/hub/"
        try:
            with open(jar, "rb") as f:
                self.s.cookies.update(pickle.load(f))
        except FileNotFoundError:
            pass

    def save(self):
        with open(self.jar, "wb") as f:
            pickle.dump(self.s.cookies, f)

    def login(self, user, password):
        r = self.s.post(f"{self.hub}/hub/login", data={"username": user, "password": password}, timeout=60)
        who = self.s.get(f"{self.hub}/hub/api/user", timeout=30)
        print(f"login form: {r.status_code} at {r.url}; /hub/api/user: {who.status_code}")
        if who.status_code != 200:
            return 3
        name = who.json()["name"]
        print(f"logged in as {name}")
        self.save()
        return 0 if name == user else 1

    def spawn(self, user, timeout=240):
        self.s.get(f"{self.hub}/hub/spawn", timeout=60)
        deadline = time.time() + timeout
        while time.time() < deadline:
            # The file list, as a browser opens it: through the proxy, the server's OAuth dance with the hub and
            # back, which leaves the server's own cookie, and the _xsrf cookie it checks on requests that change.
            r = self.s.get(f"{self.hub}/user/{user}/tree", timeout=30)
            if r.status_code == 200 and r.url.endswith(f"/user/{user}/tree"):
                print(f"server up: {self.api(user, 'GET', 'status').json()}")
                self.save()
                return 0
            if "/hub/login" in r.url:
                print(f"sent to the login page: not logged in ({r.url})")
                return 1
            time.sleep(2)
        print(f"no server after {timeout} s; last: {r.status_code} {r.url}")
        return 1

    def api(self, user, method, path, **kw):
        # The _xsrf cookie the browser would send with this path (the most specific one).
        xsrf = max((c for c in self.s.cookies if c.name == "_xsrf" and f"/user/{user}/".startswith(c.path)),
                   key=lambda c: len(c.path), default=None)
        r = self.s.request(method, f"{self.hub}/user/{user}/api/{path}", headers={"X-XSRFToken": xsrf.value if xsrf else ""},
                           timeout=60, allow_redirects=False, **kw)
        if r.status_code >= 300:
            raise SystemExit(f"{method} /user/{user}/api/{path}: {r.status_code} {r.text[:300]}")
        return r

    def kernelspecs(self, user):
        specs = self.api(user, "GET", "kernelspecs").json()["kernelspecs"]
        print(sorted(specs))
        spec = specs[".net-csharp"]["spec"]
        print(spec)
        return 0 if "--http-local-only" in spec["argv"] and spec["env"].get("MALLOC_ARENA_MAX") == "1" else 1

    def reach(self, user, other):
        """Where the browser of USER ends when it opens OTHER's file list: OTHER's server sends it to the hub's
        OAuth authorization, which decides (a bare API request would be refused by the server either way)."""
        r = self.s.get(f"{self.hub}/user/{other}/tree", timeout=60)
        print(f"{r.status_code} {r.url}")
        print(f"({user}'s browser on {other}'s files) {r.text[:300]}")
        return 0

    def put(self, user, path, text):
        self.api(user, "PUT", f"contents/{path}", json={"type": "file", "format": "text", "content": text})
        return 0

    def cat(self, user, path):
        print(self.api(user, "GET", f"contents/{path}", params={"type": "file", "format": "text"}).json()["content"])
        return 0

    def delete(self, user, path):
        self.api(user, "DELETE", f"contents/{path}")
        return 0

    def running(self, user):
        servers = self.s.get(f"{self.hub}/hub/api/user", timeout=30).json()["servers"]
        print(servers)
        # 4, not 1: an exception (the hub gone) must not read as "stopped".
        return 0 if servers.get("", {}).get("ready") else 4

    def run(self, user, notebook, *code):
        nb = self.api(user, "GET", f"contents/{notebook}").json()["content"]
        cells = list(code) + ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                              for c in nb["cells"] if c["cell_type"] == "code"]
        kernel = self.api(user, "POST", "kernels", json={"name": ".net-csharp"}).json()["id"]
        try:
            return ioloop.IOLoop.current().run_sync(lambda: self._execute(user, kernel, cells), timeout=900)
        finally:
            self.api(user, "DELETE", f"kernels/{kernel}")

    async def _execute(self, user, kernel, cells):
        url = f"{self.hub.replace('http', 'ws', 1)}/user/{user}/api/kernels/{kernel}/channels"
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.s.cookies)
        ws = await websocket.websocket_connect(httpclient.HTTPRequest(url, headers={"Cookie": cookies}))
        session = uuid.uuid4().hex

        async def request(msg_type, content):
            msg_id = uuid.uuid4().hex
            ws.write_message(json.dumps({
                "header": {"msg_id": msg_id, "username": user, "session": session, "msg_type": msg_type,
                           "version": "5.3"},
                "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}))
            outputs, reply, idle = [], None, False
            while reply is None or not idle:
                raw = await ws.read_message()
                if raw is None:
                    raise SystemExit("the kernel's websocket closed")
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind.endswith("_reply"):
                    reply = msg["content"]
                elif kind == "status":
                    idle = msg["content"]["execution_state"] == "idle"
                elif kind in ("stream", "execute_result", "display_data", "error"):
                    outputs.append(msg)
            return reply, outputs

        await request("kernel_info_request", {})
        failed = 0
        for i, source in enumerate(cells, 1):
            start = time.time()
            reply, outputs = await request("execute_request", {"code": source, "silent": False,
                                                               "store_history": True, "allow_stdin": False,
                                                               "stop_on_error": True, "user_expressions": {}})
            print(f"--- cell {i} ({time.time() - start:.1f} s, {reply['status']}): {source.splitlines()[0][:80]}")
            for o in outputs:
                c = o["content"]
                if o["msg_type"] == "stream":
                    text = c["text"]
                    failed += c["name"] == "stderr" and bool(text.strip())
                elif o["msg_type"] == "error":
                    text = f"{c['ename']}: {c['evalue']}"
                    failed += 1
                elif "text/plain" in c["data"]:
                    text = c["data"]["text/plain"]
                else:
                    text = re.sub(r"<(script|style).*?</\1>|<[^>]+>", "", c["data"].get("text/html", ""), flags=re.S)
                if text.strip():
                    print("    " + text.strip()[:400].replace("\n", "\n    "))
            failed += reply["status"] != "ok"
        ws.close()
        return 1 if failed else 0


def main(hub, jar, command, *args):
    return getattr(Student(hub, jar), command)(*args)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
