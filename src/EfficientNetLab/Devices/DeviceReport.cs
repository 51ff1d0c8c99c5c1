using System.Globalization;
using System.Text.Json.Nodes;

namespace EfficientNetLab.Devices;

/// <summary>
/// What this machine offers for running EfficientNet: the NVIDIA driver's view of the GPUs (NVML), TorchSharp's view
/// (CUDA, the native backend it loaded) and the CPU. Collecting never throws for a missing or partial driver: what
/// cannot be read is null with the reason beside it.
/// </summary>
public sealed record DeviceReport(DateTimeOffset Time, NvmlInfo Nvml, IReadOnlyList<GpuInfo> Gpus, TorchInfo Torch, CpuInfo Cpu)
{
    /// <summary>Environment variable naming the NVML library to load instead of libnvidia-ml.so.1 (a driver outside
    /// the loader's search path, or a fake in tests).</summary>
    public const string NvmlLibraryVariable = "EFFNET_NVML_LIBRARY";

    /// <param name="nvmlLibrary">NVML library to load instead of EFFNET_NVML_LIBRARY or libnvidia-ml.so.1.</param>
    public static DeviceReport Collect(string? nvmlLibrary = null)
    {
        var time = DateTimeOffset.Now;
        NvmlInfo nvmlInfo;
        var gpus = new List<GpuInfo>();
        using (var nvml = Devices.Nvml.Open(nvmlLibrary, out var problem))
        {
            if (nvml is null)
            {
                nvmlInfo = new NvmlInfo(Devices.Nvml.ResolvePath(nvmlLibrary), problem, null, null, new Dictionary<string, string>());
            }
            else
            {
                var unavailable = new Dictionary<string, string>();
                int rc = nvml.DriverVersion(out var driver);
                if (rc != Devices.Nvml.Success) unavailable["driver_version"] = Devices.Nvml.Describe(rc);
                rc = nvml.CudaDriverVersion(out var cuda);
                if (rc != Devices.Nvml.Success) unavailable["cuda_driver_version"] = Devices.Nvml.Describe(rc);
                rc = nvml.DeviceCount(out var count);
                if (rc != Devices.Nvml.Success) unavailable["gpus"] = Devices.Nvml.Describe(rc);
                for (uint i = 0; rc == Devices.Nvml.Success && i < count; i++) gpus.Add(GpuInfo.Read(nvml, i));
                nvmlInfo = new NvmlInfo(nvml.Library, null, driver, cuda, unavailable);
            }
        }
        return new DeviceReport(time, nvmlInfo, gpus, TorchProbe.Collect(gpus.Count), CpuInfo.Collect());
    }

    /// <summary>The report as <c>effnet devices --json</c> prints it (snake_case keys, bytes, watts, °C, MHz).</summary>
    public JsonObject ToJson() => new()
    {
        ["time"] = Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        ["nvml"] = new JsonObject
        {
            ["library"] = Nvml.Library,
            ["loaded"] = Nvml.Loaded,
            ["problem"] = Nvml.Problem,
            ["driver_version"] = Nvml.DriverVersion,
            ["cuda_driver_version"] = Nvml.CudaDriverVersion,
            ["unavailable"] = Reasons(Nvml.Unavailable),
        },
        ["gpus"] = new JsonArray(Gpus.Select(g => (JsonNode)new JsonObject
        {
            ["index"] = g.Index,
            ["name"] = g.Name,
            ["uuid"] = g.Uuid,
            ["memory_total_bytes"] = g.MemoryTotalBytes,
            ["memory_used_bytes"] = g.MemoryUsedBytes,
            ["memory_free_bytes"] = g.MemoryFreeBytes,
            ["utilization_percent"] = g.UtilizationPercent,
            ["memory_utilization_percent"] = g.MemoryUtilizationPercent,
            ["temperature_c"] = g.TemperatureC,
            ["power_draw_w"] = g.PowerDrawWatts,
            ["power_limit_w"] = g.PowerLimitWatts,
            ["compute_capability"] = g.ComputeCapability,
            ["clock_graphics_mhz"] = g.GraphicsClockMHz,
            ["clock_sm_mhz"] = g.SmClockMHz,
            ["clock_memory_mhz"] = g.MemoryClockMHz,
            ["unavailable"] = Reasons(g.Unavailable),
        }).ToArray()),
        ["torch"] = new JsonObject
        {
            ["torchsharp_version"] = Torch.TorchSharpVersion,
            ["libtorch_version"] = Torch.LibTorchVersion,
            ["cuda_available"] = Torch.CudaAvailable,
            ["cudnn_available"] = Torch.CudnnAvailable,
            ["cuda_device_count"] = Torch.CudaDeviceCount,
            ["threads"] = Torch.Threads,
            ["native_folder"] = Torch.NativeFolder,
            ["native_packages"] = new JsonArray(Torch.NativePackages.Select(p => (JsonNode)p).ToArray()),
            ["cuda_backend_loaded"] = Torch.CudaBackendLoaded,
            ["onednn_max_isa"] = Torch.OneDnnMaxIsa,
            // Process-wide allocator state (Devices/TorchRuntime): it decides CPU throughput several times over.
            ["malloc_tuned"] = TorchRuntime.AllocatorTuned,
            ["malloc_single_arena"] = TorchRuntime.SingleMallocArena,
            ["problem"] = Torch.Problem,
            ["cuda_diagnosis"] = new JsonArray(Torch.CudaDiagnosis.Select(c => (JsonNode)new JsonObject
            {
                ["check"] = c.Check, ["passed"] = c.Passed, ["detail"] = c.Detail,
            }).ToArray()),
        },
        ["cpu"] = new JsonObject
        {
            ["model"] = Cpu.Model,
            ["logical_cores"] = Cpu.LogicalCores,
            ["simd"] = new JsonArray(Cpu.Simd.Select(s => (JsonNode)s).ToArray()),
            ["process_working_set_bytes"] = Cpu.ProcessWorkingSetBytes,
            ["process_peak_working_set_bytes"] = Cpu.ProcessPeakWorkingSetBytes,
            ["memory_total_bytes"] = Cpu.MemoryTotalBytes,
            ["memory_available_bytes"] = Cpu.MemoryAvailableBytes,
        },
    };

    static JsonObject Reasons(IReadOnlyDictionary<string, string> unavailable) =>
        new(unavailable.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}

/// <param name="Library">The library asked for (a path, or the soname searched for).</param>
/// <param name="Problem">Why there is no NVML (no driver, the library does not load, nvmlInit failed); null when loaded.</param>
/// <param name="CudaDriverVersion">The newest CUDA the driver supports, e.g. "12.4".</param>
/// <param name="Unavailable">JSON key → why NVML gave no value.</param>
public sealed record NvmlInfo(string Library, string? Problem, string? DriverVersion, string? CudaDriverVersion,
    IReadOnlyDictionary<string, string> Unavailable)
{
    public bool Loaded => Problem is null;
}

/// <summary>One GPU as NVML sees it. A null value has its reason in <see cref="Unavailable"/> under its JSON key.</summary>
public sealed record GpuInfo
{
    public required int Index { get; init; }
    public string? Name { get; init; }
    public string? Uuid { get; init; }
    public ulong? MemoryTotalBytes { get; init; }
    public ulong? MemoryUsedBytes { get; init; }
    public ulong? MemoryFreeBytes { get; init; }
    public uint? UtilizationPercent { get; init; }
    public uint? MemoryUtilizationPercent { get; init; }
    public int? TemperatureC { get; init; }
    public double? PowerDrawWatts { get; init; }
    public double? PowerLimitWatts { get; init; }
    /// <summary>CUDA compute capability, e.g. "9.0".</summary>
    public string? ComputeCapability { get; init; }
    public uint? GraphicsClockMHz { get; init; }
    public uint? SmClockMHz { get; init; }
    public uint? MemoryClockMHz { get; init; }
    public required IReadOnlyDictionary<string, string> Unavailable { get; init; }

    internal static GpuInfo Read(Nvml nvml, uint index)
    {
        var unavailable = new Dictionary<string, string>();
        bool Ok(int rc, params string[] keys)
        {
            if (rc == Nvml.Success) return true;
            foreach (var key in keys) unavailable[key] = Nvml.Describe(rc);
            return false;
        }

        if (!Ok(nvml.Handle(index, out var device), "device")) return new GpuInfo { Index = (int)index, Unavailable = unavailable };
        bool hasName = Ok(nvml.Name(device, out var name), "name");
        bool hasUuid = Ok(nvml.Uuid(device, out var uuid), "uuid");
        bool hasMemory = Ok(nvml.Memory(device, out var memory), "memory_total_bytes", "memory_used_bytes", "memory_free_bytes");
        bool hasUtilization = Ok(nvml.UtilizationRates(device, out var utilization), "utilization_percent", "memory_utilization_percent");
        bool hasTemperature = Ok(nvml.Temperature(device, out var celsius), "temperature_c");
        bool hasPower = Ok(nvml.PowerUsageMilliwatts(device, out var power), "power_draw_w");
        bool hasLimit = Ok(nvml.PowerLimitMilliwatts(device, out var limit), "power_limit_w");
        bool hasCapability = Ok(nvml.ComputeCapability(device, out var capability), "compute_capability");
        bool hasGraphics = Ok(nvml.ClockMHz(device, Nvml.ClockGraphics, out var graphics), "clock_graphics_mhz");
        bool hasSm = Ok(nvml.ClockMHz(device, Nvml.ClockSm, out var sm), "clock_sm_mhz");
        bool hasMemoryClock = Ok(nvml.ClockMHz(device, Nvml.ClockMemory, out var memoryClock), "clock_memory_mhz");
        return new GpuInfo
        {
            Index = (int)index,
            Name = hasName ? name : null,
            Uuid = hasUuid ? uuid : null,
            MemoryTotalBytes = hasMemory ? memory.Total : null,
            MemoryUsedBytes = hasMemory ? memory.Used : null,
            MemoryFreeBytes = hasMemory ? memory.Free : null,
            UtilizationPercent = hasUtilization ? utilization.Gpu : null,
            MemoryUtilizationPercent = hasUtilization ? utilization.Memory : null,
            TemperatureC = hasTemperature ? celsius : null,
            PowerDrawWatts = hasPower ? power / 1000.0 : null,
            PowerLimitWatts = hasLimit ? limit / 1000.0 : null,
            ComputeCapability = hasCapability ? capability : null,
            GraphicsClockMHz = hasGraphics ? graphics : null,
            SmClockMHz = hasSm ? sm : null,
            MemoryClockMHz = hasMemoryClock ? memoryClock : null,
            Unavailable = unavailable,
        };
    }
}

/// <summary>TorchSharp's view of the machine.</summary>
/// <param name="LibTorchVersion">torch.__version__: the libtorch TorchSharp was built against.</param>
/// <param name="NativeFolder">Where the loaded libtorch (or libLibTorchSharp.so) was mapped from.</param>
/// <param name="NativePackages">NuGet packages ("id/version") the loaded libtorch files came from, e.g. libtorch-cpu-linux-x64/2.10.0.</param>
/// <param name="CudaBackendLoaded">libtorch_cuda.so is mapped into this process.</param>
/// <param name="Problem">Why TorchSharp could not be asked (its native library did not load); null otherwise.</param>
/// <param name="CudaDiagnosis">When NVML sees GPUs but TorchSharp has no CUDA: each check and whether it passed. Empty otherwise.</param>
public sealed record TorchInfo(string? TorchSharpVersion, string? LibTorchVersion, bool CudaAvailable, bool CudnnAvailable,
    int CudaDeviceCount, int Threads, string? NativeFolder, IReadOnlyList<string> NativePackages, bool CudaBackendLoaded,
    string? OneDnnMaxIsa, string? Problem, IReadOnlyList<CudaCheck> CudaDiagnosis);

/// <summary>One step of the TorchSharp-CUDA diagnosis.</summary>
public sealed record CudaCheck(string Check, bool Passed, string Detail);

/// <param name="LogicalCores">Cores this process may use (Environment.ProcessorCount: affinity and cgroup limits apply).</param>
/// <param name="Simd">Instruction sets .NET's hardware intrinsics report, e.g. avx2, fma, avx512f, advsimd.</param>
/// <param name="ProcessPeakWorkingSetBytes">VmHWM of /proc/self/status.</param>
/// <param name="MemoryAvailableBytes">MemAvailable of /proc/meminfo.</param>
public sealed record CpuInfo(string? Model, int LogicalCores, IReadOnlyList<string> Simd, long? ProcessWorkingSetBytes,
    long? ProcessPeakWorkingSetBytes, long? MemoryTotalBytes, long? MemoryAvailableBytes)
{
    internal static CpuInfo Collect() => new(
        ProcFs.CpuModel(),
        Environment.ProcessorCount,
        SimdFeatures(),
        ProcFs.KilobyteField("/proc/self/status", "VmRSS"),
        ProcFs.KilobyteField("/proc/self/status", "VmHWM"),
        ProcFs.KilobyteField("/proc/meminfo", "MemTotal"),
        ProcFs.KilobyteField("/proc/meminfo", "MemAvailable"));

    static List<string> SimdFeatures()
    {
        (bool Supported, string Name)[] all =
        [
            (System.Runtime.Intrinsics.X86.Sse42.IsSupported, "sse4.2"),
            (System.Runtime.Intrinsics.X86.Avx.IsSupported, "avx"),
            (System.Runtime.Intrinsics.X86.Avx2.IsSupported, "avx2"),
            (System.Runtime.Intrinsics.X86.Fma.IsSupported, "fma"),
            (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported, "avx-vnni"),
            (System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "avx512f"),
            (System.Runtime.Intrinsics.X86.Avx512BW.IsSupported, "avx512bw"),
            (System.Runtime.Intrinsics.X86.Avx512Vbmi.IsSupported, "avx512vbmi"),
            (System.Runtime.Intrinsics.X86.Avx10v1.IsSupported, "avx10.1"),
            (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported, "advsimd"),
            (System.Runtime.Intrinsics.Arm.Dp.IsSupported, "dotprod"),
        ];
        return all.Where(f => f.Supported).Select(f => f.Name).ToList();
    }
}
