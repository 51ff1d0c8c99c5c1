using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using TorchSharp;

namespace EfficientNetLab.Devices;

/// <summary>Asks TorchSharp what it can run on, and which native libtorch the process really mapped.</summary>
internal static partial class TorchProbe
{
    const string CudaLibrary = "libtorch_cuda.so", CpuLibrary = "libtorch_cpu.so", ShimLibrary = "libLibTorchSharp.so";

    public static TorchInfo Collect(int nvmlGpuCount)
    {
        var torchSharpVersion = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        bool cuda, cudnn;
        int devices, threads;
        string version;
        try
        {
            cuda = torch.cuda.is_available();
            cudnn = torch.cuda.is_cudnn_available();
            devices = torch.cuda.device_count();
            threads = torch.get_num_threads();
            version = torch.__version__;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var inner = e is TypeInitializationException { InnerException: { } ie } ? ie : e;
            return new TorchInfo(torchSharpVersion, null, false, false, 0, 0, null, [], false, TorchRuntime.OneDnnMaxIsa,
                $"TorchSharp's native library did not load: {inner.Message}", []);
        }
        // Read after the calls above: they are what loads the native backend.
        var mapped = MappedTorchLibraries();
        var core = mapped.FirstOrDefault(p => Path.GetFileName(p) == CpuLibrary) ?? mapped.FirstOrDefault(p => Path.GetFileName(p) == ShimLibrary);
        var folder = core is null ? null : Path.GetDirectoryName(core);
        var packages = mapped.Where(p => Path.GetFileName(p) is CpuLibrary or CudaLibrary).Select(PackageOf).OfType<string>().Distinct().ToList();
        bool cudaLoaded = mapped.Any(p => Path.GetFileName(p) == CudaLibrary);
        var diagnosis = nvmlGpuCount > 0 && !cuda ? DiagnoseCuda(nvmlGpuCount, cudaLoaded, folder, packages) : [];
        return new TorchInfo(torchSharpVersion, version, cuda, cudnn, devices, threads, folder, packages, cudaLoaded,
            TorchRuntime.OneDnnMaxIsa, null, diagnosis);
    }

    /// <summary>
    /// Why CUDA is missing although the driver sees GPUs: typically a CPU-only backend package, or (TorchSharp issue
    /// #1491, Linux notebooks) a CUDA backend that only loads once <c>InitializeDeviceType(CUDA)</c> is called, and
    /// only if TorchSharp may copy its natives next to TorchSharp.dll.
    /// </summary>
    static List<CudaCheck> DiagnoseCuda(int nvmlGpuCount, bool cudaLoaded, string? folder, IReadOnlyList<string> packages)
    {
        var checks = new List<CudaCheck> { BackendCheck(nvmlGpuCount, cudaLoaded, folder, packages) };

        string initDetail;
        bool initialized;
        // TorchSharp prints its load trace to the console before throwing; that would corrupt `effnet devices --json`.
        var console = Console.Out;
        Console.SetOut(TextWriter.Null);
        try
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
            initialized = torch.cuda.is_available();
            initDetail = initialized
                ? "succeeded: CUDA works once initialised explicitly; call it before the first use of torch (TorchSharp issue #1491)"
                : "returned, but torch.cuda.is_available() is still false";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            initialized = false;
            // TorchSharp's trace is empty when an earlier call in this process already tried the CUDA backend.
            const string emptyTrace = "Trace from LoadNativeBackend:";
            var message = e.Message.Trim();
            initDetail = $"{e.GetType().Name}: {(message.EndsWith(emptyTrace, StringComparison.Ordinal) ? message[..^emptyTrace.Length].TrimEnd() : message)}";
        }
        finally
        {
            Console.SetOut(console);
        }
        checks.Add(new CudaCheck("torch.InitializeDeviceType(DeviceType.CUDA)", initialized, initDetail));

        var torchSharpDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (torchSharpDir is { Length: > 0 })
        {
            var writable = Writable(torchSharpDir, out var why);
            checks.Add(new CudaCheck("TorchSharp folder writable", writable, writable
                ? $"{torchSharpDir} is writable"
                : $"{torchSharpDir} is not writable ({why}); TorchSharp cannot gather the CUDA natives there, as it does for notebooks"));
        }
        return checks;
    }

    /// <summary>
    /// Whether libtorch_cuda.so is mapped; if not, whether the backend folder has one at all (else the package is a
    /// CPU-only one) and why the dynamic loader refuses it, which names a missing dependency such as libcudnn.
    /// </summary>
    static CudaCheck BackendCheck(int nvmlGpuCount, bool cudaLoaded, string? folder, IReadOnlyList<string> packages)
    {
        const string name = "CUDA backend loaded";
        if (cudaLoaded)
            return new(name, true, $"{CudaLibrary} is loaded, yet torch.cuda.is_available() is false with {nvmlGpuCount} GPU(s) visible to NVML");
        var path = folder is null ? null : Path.Combine(folder, CudaLibrary);
        if (path is null || !File.Exists(path))
            return new(name, false, $"no {CudaLibrary} in {folder ?? "the backend folder"}: the loaded backend " +
                $"({(packages.Count == 0 ? "unknown package" : string.Join(", ", packages))}) is CPU-only; reference TorchSharp-cuda-linux " +
                "(this repository: dotnet build -p:TorchBackend=cuda)");
        try
        {
            NativeLibrary.Load(path);
            return new(name, false, $"{path} loads when asked, so TorchSharp never asked: " +
                "call torch.InitializeDeviceType(DeviceType.CUDA) before any other use of torch");
        }
        catch (DllNotFoundException e)
        {
            var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return new(name, false, $"{path} does not load: {lines[^1]}");
        }
    }

    static bool Writable(string dir, out string why)
    {
        try
        {
            using (File.Create(Path.Combine(dir, $".effnet-write-test-{Environment.ProcessId}"), 1, FileOptions.DeleteOnClose)) { }
            why = "";
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = e.Message;
            return false;
        }
    }

    /// <summary>Files of libtorch and TorchSharp's shim mapped into this process (/proc/self/maps).</summary>
    static List<string> MappedTorchLibraries()
    {
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/maps"); }
        catch (IOException) { return []; }
        return lines
            .Select(l => l.IndexOf('/') is var slash and >= 0 ? l[slash..] : null)
            .OfType<string>()
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("libtorch", StringComparison.Ordinal) || f.StartsWith("libc10", StringComparison.Ordinal) || f == ShimLibrary))
            .Distinct()
            .ToList();
    }

    /// <summary>
    /// The NuGet package ("id/version") a native file came from: from its path in the package cache, or else from the
    /// app's deps.json, because builds copy natives into the app folder where the path no longer says.
    /// </summary>
    static string? PackageOf(string path)
    {
        if (NuGetPath().Match(path) is { Success: true } m) return $"{m.Groups["id"].Value}/{m.Groups["version"].Value}";
        var file = Path.GetFileName(path);
        // The host joins these paths with ';' on every OS.
        foreach (var deps in (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(deps));
                if (!doc.RootElement.TryGetProperty("targets", out var targets)) continue;
                foreach (var target in targets.EnumerateObject())
                foreach (var library in target.Value.EnumerateObject())
                {
                    if (library.Value.TryGetProperty("native", out var native) &&
                        native.EnumerateObject().Any(n => Path.GetFileName(n.Name) == file))
                        return library.Name;
                }
            }
            catch (Exception e) when (e is IOException or JsonException or InvalidOperationException) { }
        }
        return null;
    }

    [GeneratedRegex(@"/(?<id>[^/]+)/(?<version>\d+\.\d+[^/]*)/runtimes/[^/]+/native/[^/]+$")]
    private static partial Regex NuGetPath();
}
