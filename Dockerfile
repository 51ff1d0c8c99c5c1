# EfficientNet Lab image: JupyterLab with the .NET Interactive kernels, the effnet CLI, the kit's NuGet feed and
# TorchSharp's CUDA natives already restored. The CUDA runtime comes from the base image; only the NVIDIA driver
# (and the NVIDIA Container Toolkit) is needed on the host. See README "Run it".
# Steps shared with the host lab (./lab.sh) live in docker/*.sh.

# TorchSharp 0.107 bundles libtorch 2.10 built for CUDA 12.8.
ARG BASE_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
ARG DOTNET_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0

FROM ${DOTNET_IMAGE} AS dotnet

FROM ${BASE_IMAGE}
# Metadata comes first: with storage drivers that copy the whole tree per layer (vfs), each instruction costs
# the size of the image so far.

# pip: JupyterLab as pinned in docker/requirements-jupyter.txt; distro: the distribution's classic Notebook
# server, for builds that reach only an OS package mirror.
ARG JUPYTER_FROM=pip
# cuda: TorchSharp-cuda-linux; cpu: libtorch-cpu-linux-x64 (machines without the CUDA package, tests).
ARG TORCH_BACKEND=cuda
# torchvision checkpoints to download and verify into the image's torch-hub cache ("" for none).
ARG PREFETCH_WEIGHTS=b0
# PEM text of an extra CA that the build must trust (a TLS-intercepting proxy); it stays trusted in the image.
ARG EXTRA_CA_CERT=

# "utility" is what NVML (nvidia-smi, the kit's device checks) needs besides compute.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    NUGET_PACKAGES=/opt/effnet/nuget \
    TORCH_HOME=/opt/effnet/torch \
    PATH=/opt/effnet/tools:/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 8888
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/opt/effnet/docker/healthcheck.sh"]
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/effnet/docker/entrypoint.sh"]
WORKDIR /home/jovyan

# Only the slow, rarely changed steps' scripts here; the rest of docker/ comes with the sources below, so that
# editing it does not invalidate the OS, Jupyter and .NET layers.
COPY docker/install-system.sh docker/install-jupyter.sh docker/requirements-jupyter.txt \
     docker/install-dotnet-interactive.sh .config/dotnet-tools.json /opt/effnet/docker/
RUN /opt/effnet/docker/install-system.sh \
 && /opt/effnet/docker/install-jupyter.sh "$JUPYTER_FROM" \
 && apt-get clean && rm -rf /var/lib/apt/lists/*

COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
# A throwaway HOME keeps the SDK's first-run files out of root's home in the image.
RUN ln -sf /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && mkdir /tmp/dotnet-home \
 && DOTNET_TOOLS_MANIFEST=/opt/effnet/docker/dotnet-tools.json HOME=/tmp/dotnet-home \
    /opt/effnet/docker/install-dotnet-interactive.sh --tool-path /opt/effnet/tools /usr/local/share/jupyter/kernels \
 && rm -rf /tmp/dotnet-home

# The build context is limited by .dockerignore to what the feed, the CLI and the notebooks are made from.
# Sources and build output go in one step: the CLI's bin/ and obj/ hold further copies of libtorch.
COPY --chown=1000:1000 . /opt/effnet/src
RUN cp -r /opt/effnet/src/docker/. /opt/effnet/docker/ && chown -R root:root /opt/effnet/docker \
 && setpriv --reuid=1000 --regid=1000 --init-groups env HOME=/home/jovyan \
    /opt/effnet/docker/install-kit.sh /opt/effnet/src \
 && rm -rf /opt/effnet/src /tmp/*

USER 1000:1000
VOLUME ["/home/jovyan/work", "/data"]
