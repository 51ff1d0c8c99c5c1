# JupyterHub configuration for a class on one machine, installed and started by deploy/jupyterhub/hub.sh, which owns
# every setting's default and passes the resolved values in the environment (HUB_*, EFFNET_LAB_PREFIX): started any
# other way this file fails on the first missing one rather than guessing.
import os

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

ip = os.environ["HUB_IP"]
port = int(os.environ["HUB_PORT"])
state = os.environ["HUB_STATE"]
prefix = os.environ["EFFNET_LAB_PREFIX"]
idle = int(os.environ["HUB_IDLE_TIMEOUT"])

c.JupyterHub.bind_url = f"http://{ip}:{port}"
# The hub's own API and the proxy's API stay on loopback whatever HUB_IP says, at fixed offsets from HUB_PORT
# (8081 and 8001 for the default 8000, JupyterHub's own defaults) so that two hubs on one machine do not collide.
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{port + 81}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 1}"
# Debian's proxy resolves its modules from /usr/share/nodejs, which a node from outside Debian (NodeSource, nvm)
# does not search: without this it dies with "Cannot find module 'commander'" (measured with Node 20 here).
c.ConfigurableHTTPProxy.command = ["env", "NODE_PATH=/usr/share/nodejs", "configurable-http-proxy"]
c.ConfigurableHTTPProxy.pid_file = f"{state}/proxy.pid"
c.JupyterHub.pid_file = f"{state}/jupyterhub.pid"
c.JupyterHub.db_url = f"sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{state}/jupyterhub_cookie_secret"

# Students log in with their UNIX password; only members of HUB_GROUP may (hub.sh adds the admins to it), so that
# no other account with a password on the machine (a service account, root) gets a server.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {os.environ["HUB_GROUP"]}
c.Authenticator.admin_users = {u for u in os.environ.get("HUB_ADMINS", "").split(",") if u}
# pam_open_session would go through pam_systemd/logind, which containers and minimal hosts do not run; the
# servers are plain processes of the student's UID either way.
c.PAMAuthenticator.open_sessions = False

# One server per student, a process running as that student's UNIX user (the hub runs as root and setuids),
# started in the home directory. singleuser.sh puts the lessons and the NuGet setup in place first.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [f"{prefix}/hub/singleuser.sh"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/tree/notebooks"
# Nothing of root's environment reaches a student's server but what is named here.
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.environment = {
    "PATH": f"{prefix}/tools:/usr/local/bin:/usr/bin:/bin",
    "DOTNET_ROOT": os.environ["DOTNET_ROOT"],
    "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
    "DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT": "1",
    "DOTNET_NOLOGO": "1",
    "EFFNET_LAB_PREFIX": prefix,
}
# A first login links the kit's packages into the student's NuGet folder before the server starts.
c.Spawner.start_timeout = 180

# Culling without jupyterhub-idle-culler (not packaged for Debian 12): a kernel idle for HUB_IDLE_TIMEOUT seconds
# with no browser tab on it is shut down, and a server with no kernels, no terminals and no requests for as long
# shuts itself down (checked once a minute); the hub sees the process end and frees the slot. The student's next
# visit starts a new server with their files untouched.
c.Spawner.args = [
    f"--MappingKernelManager.cull_idle_timeout={idle}",
    f"--MappingKernelManager.cull_interval={min(idle, 300)}",
    f"--NotebookApp.shutdown_no_activity_timeout={idle}",
]
# How soon the hub notices a server that stopped itself (JupyterHub's default: 30 s).
c.Spawner.poll_interval = 10
