using System.Runtime.InteropServices;
using System.Text;

namespace EfficientNetLab.Devices;

/// <summary>
/// The NVML calls the kit needs, bound at run time: libnvidia-ml.so.1 ships with the NVIDIA driver, so a machine
/// without one must still run everything else. Getters return NVML's status code; a symbol this copy of the library
/// lacks reads as NVML_ERROR_FUNCTION_NOT_FOUND, as it does through NVML's own loader stubs.
/// </summary>
/// <remarks>NVML is thread-safe and nvmlInit_v2/nvmlShutdown are reference counted, so instances may coexist.</remarks>
internal sealed unsafe class Nvml : IDisposable
{
    public const string DefaultLibrary = "libnvidia-ml.so.1";

    public const int Success = 0, InsufficientSize = 7, FunctionNotFound = 13;
    public const int ClockGraphics = 0, ClockSm = 1, ClockMemory = 2;
    const int TemperatureGpu = 0;
    const int DeviceNameBufferSize = 96, DeviceUuidBufferSize = 96, DriverVersionBufferSize = 80;
    // The documented sizes above are what current drivers need; INSUFFICIENT_SIZE asks for more, up to this.
    const int MaxStringBuffer = 4096;

    [StructLayout(LayoutKind.Sequential)]
    public struct MemoryInfo { public ulong Total, Free, Used; }

    [StructLayout(LayoutKind.Sequential)]
    public struct Utilization { public uint Gpu, Memory; }

    /// <summary>nvmlTemperature_v1_t, the versioned struct of nvmlDeviceGetTemperatureV.</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct TemperatureV1 { public uint Version; public int SensorType; public int Temperature; }

    readonly nint library;
    readonly delegate* unmanaged<int> shutdown;
    readonly delegate* unmanaged<byte*, uint, int> driverVersion;
    readonly delegate* unmanaged<int*, int> cudaDriverVersionV2, cudaDriverVersion;
    readonly delegate* unmanaged<uint*, int> deviceCount;
    readonly delegate* unmanaged<uint, nint*, int> handleByIndex;
    readonly delegate* unmanaged<nint, byte*, uint, int> name, uuid;
    readonly delegate* unmanaged<nint, MemoryInfo*, int> memoryInfo;
    readonly delegate* unmanaged<nint, Utilization*, int> utilization;
    readonly delegate* unmanaged<nint, TemperatureV1*, int> temperatureV;
    readonly delegate* unmanaged<nint, int, uint*, int> temperature, clockInfo;
    readonly delegate* unmanaged<nint, uint*, int> powerUsage, enforcedPowerLimit;
    readonly delegate* unmanaged<nint, int*, int*, int> computeCapability;
    int disposed;

    public string Library { get; }

    Nvml(string path, nint handle)
    {
        Library = path;
        library = handle;
        shutdown = (delegate* unmanaged<int>)Export("nvmlShutdown");
        driverVersion = (delegate* unmanaged<byte*, uint, int>)Export("nvmlSystemGetDriverVersion");
        cudaDriverVersionV2 = (delegate* unmanaged<int*, int>)Export("nvmlSystemGetCudaDriverVersion_v2");
        cudaDriverVersion = (delegate* unmanaged<int*, int>)Export("nvmlSystemGetCudaDriverVersion");
        deviceCount = (delegate* unmanaged<uint*, int>)Export("nvmlDeviceGetCount_v2");
        handleByIndex = (delegate* unmanaged<uint, nint*, int>)Export("nvmlDeviceGetHandleByIndex_v2");
        name = (delegate* unmanaged<nint, byte*, uint, int>)Export("nvmlDeviceGetName");
        uuid = (delegate* unmanaged<nint, byte*, uint, int>)Export("nvmlDeviceGetUUID");
        memoryInfo = (delegate* unmanaged<nint, MemoryInfo*, int>)Export("nvmlDeviceGetMemoryInfo");
        utilization = (delegate* unmanaged<nint, Utilization*, int>)Export("nvmlDeviceGetUtilizationRates");
        temperatureV = (delegate* unmanaged<nint, TemperatureV1*, int>)Export("nvmlDeviceGetTemperatureV");
        temperature = (delegate* unmanaged<nint, int, uint*, int>)Export("nvmlDeviceGetTemperature");
        clockInfo = (delegate* unmanaged<nint, int, uint*, int>)Export("nvmlDeviceGetClockInfo");
        powerUsage = (delegate* unmanaged<nint, uint*, int>)Export("nvmlDeviceGetPowerUsage");
        enforcedPowerLimit = (delegate* unmanaged<nint, uint*, int>)Export("nvmlDeviceGetEnforcedPowerLimit");
        computeCapability = (delegate* unmanaged<nint, int*, int*, int>)Export("nvmlDeviceGetCudaComputeCapability");
    }

    nint Export(string symbol) => NativeLibrary.TryGetExport(library, symbol, out var address) ? address : 0;

    /// <summary>The library to load: the argument, else <see cref="DeviceReport.NvmlLibraryVariable"/>, else the driver's soname.</summary>
    public static string ResolvePath(string? library) =>
        library ?? (Environment.GetEnvironmentVariable(DeviceReport.NvmlLibraryVariable) is { Length: > 0 } fromEnv ? fromEnv : DefaultLibrary);

    /// <summary>Loads and initialises NVML; null with the reason when there is no usable NVML.</summary>
    public static Nvml? Open(string? library, out string problem)
    {
        var path = ResolvePath(library);
        if (!NativeLibrary.TryLoad(path, out var handle))
        {
            problem = path == DefaultLibrary
                ? $"NVML not found ({DefaultLibrary}): no NVIDIA driver"
                : $"NVML not found: {path} does not load";
            return null;
        }
        if (!NativeLibrary.TryGetExport(handle, "nvmlInit_v2", out var init))
        {
            NativeLibrary.Free(handle);
            problem = $"{path} has no nvmlInit_v2; it is not NVML or predates it";
            return null;
        }
        int rc = ((delegate* unmanaged<int>)init)();
        if (rc != Success)
        {
            NativeLibrary.Free(handle);
            problem = $"nvmlInit_v2 failed: {Describe(rc)}";
            return null;
        }
        problem = "";
        return new Nvml(path, handle);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        if (shutdown != null) shutdown();
        NativeLibrary.Free(library);
    }

    public int DriverVersion(out string? version) =>
        driverVersion == null ? Missing(out version) : ReadString(DriverVersionBufferSize, (b, n) => driverVersion(b, n), out version);

    /// <summary>The CUDA version the driver supports, e.g. "12.4" (NVML encodes it as 1000 × major + 10 × minor).</summary>
    public int CudaDriverVersion(out string? version)
    {
        var get = cudaDriverVersionV2 != null ? cudaDriverVersionV2 : cudaDriverVersion;
        int v = 0;
        int rc = get == null ? FunctionNotFound : get(&v);
        version = rc == Success ? $"{v / 1000}.{v % 1000 / 10}" : null;
        return rc;
    }

    public int DeviceCount(out uint count)
    {
        uint n = 0;
        int rc = deviceCount == null ? FunctionNotFound : deviceCount(&n);
        count = n;
        return rc;
    }

    public int Handle(uint index, out nint device)
    {
        nint d = 0;
        int rc = handleByIndex == null ? FunctionNotFound : handleByIndex(index, &d);
        device = d;
        return rc;
    }

    public int Name(nint device, out string? value) =>
        name == null ? Missing(out value) : ReadString(DeviceNameBufferSize, (b, n) => name(device, b, n), out value);

    public int Uuid(nint device, out string? value) =>
        uuid == null ? Missing(out value) : ReadString(DeviceUuidBufferSize, (b, n) => uuid(device, b, n), out value);

    public int Memory(nint device, out MemoryInfo info)
    {
        MemoryInfo m = default;
        int rc = memoryInfo == null ? FunctionNotFound : memoryInfo(device, &m);
        info = m;
        return rc;
    }

    public int UtilizationRates(nint device, out Utilization rates)
    {
        Utilization u = default;
        int rc = utilization == null ? FunctionNotFound : utilization(device, &u);
        rates = u;
        return rc;
    }

    /// <summary>
    /// GPU temperature in °C through nvmlDeviceGetTemperatureV (NVML 13 deprecates nvmlDeviceGetTemperature); the old
    /// getter is asked when the driver predates the V variant or its V variant fails. The V variant's error wins.
    /// </summary>
    public int Temperature(nint device, out int celsius)
    {
        int rcV = FunctionNotFound;
        if (temperatureV != null)
        {
            var t = new TemperatureV1 { Version = (uint)sizeof(TemperatureV1) | 1u << 24, SensorType = TemperatureGpu };
            rcV = temperatureV(device, &t);
            celsius = t.Temperature;
            if (rcV == Success) return rcV;
        }
        uint legacy = 0;
        int rc = temperature == null ? FunctionNotFound : temperature(device, TemperatureGpu, &legacy);
        celsius = (int)legacy;
        return rc == Success || temperatureV == null ? rc : rcV;
    }

    public int PowerUsageMilliwatts(nint device, out uint milliwatts) => ReadUInt(powerUsage, device, out milliwatts);

    public int PowerLimitMilliwatts(nint device, out uint milliwatts) => ReadUInt(enforcedPowerLimit, device, out milliwatts);

    public int ComputeCapability(nint device, out string? capability)
    {
        int major = 0, minor = 0;
        int rc = computeCapability == null ? FunctionNotFound : computeCapability(device, &major, &minor);
        capability = rc == Success ? $"{major}.{minor}" : null;
        return rc;
    }

    public int ClockMHz(nint device, int clockType, out uint mhz)
    {
        uint c = 0;
        int rc = clockInfo == null ? FunctionNotFound : clockInfo(device, clockType, &c);
        mhz = c;
        return rc;
    }

    static int ReadUInt(delegate* unmanaged<nint, uint*, int> get, nint device, out uint value)
    {
        uint v = 0;
        int rc = get == null ? FunctionNotFound : get(device, &v);
        value = v;
        return rc;
    }

    static int Missing(out string? value)
    {
        value = null;
        return FunctionNotFound;
    }

    delegate int StringGetter(byte* buffer, uint length);

    static int ReadString(int size, StringGetter get, out string? value)
    {
        for (; ; size *= 2)
        {
            var buffer = new byte[size];
            int rc;
            fixed (byte* p = buffer) rc = get(p, (uint)size);
            if (rc == InsufficientSize && size < MaxStringBuffer) continue;
            int end = Array.IndexOf(buffer, (byte)0);
            value = rc == Success ? Encoding.UTF8.GetString(buffer, 0, end < 0 ? size : end) : null;
            return rc;
        }
    }

    /// <summary>An NVML status as its nvml.h name, e.g. "NVML_ERROR_NOT_SUPPORTED (3)".</summary>
    public static string Describe(int rc) => rc switch
    {
        0 => "NVML_SUCCESS",
        1 => "NVML_ERROR_UNINITIALIZED (1)",
        2 => "NVML_ERROR_INVALID_ARGUMENT (2)",
        3 => "NVML_ERROR_NOT_SUPPORTED (3)",
        4 => "NVML_ERROR_NO_PERMISSION (4)",
        6 => "NVML_ERROR_NOT_FOUND (6)",
        7 => "NVML_ERROR_INSUFFICIENT_SIZE (7)",
        8 => "NVML_ERROR_INSUFFICIENT_POWER (8)",
        9 => "NVML_ERROR_DRIVER_NOT_LOADED (9)",
        10 => "NVML_ERROR_TIMEOUT (10)",
        12 => "NVML_ERROR_LIBRARY_NOT_FOUND (12)",
        13 => "NVML_ERROR_FUNCTION_NOT_FOUND (13)",
        15 => "NVML_ERROR_GPU_IS_LOST (15)",
        17 => "NVML_ERROR_OPERATING_SYSTEM (17)",
        18 => "NVML_ERROR_LIB_RM_VERSION_MISMATCH (18)",
        21 => "NVML_ERROR_NO_DATA (21)",
        25 => "NVML_ERROR_ARGUMENT_VERSION_MISMATCH (25)",
        26 => "NVML_ERROR_DEPRECATED (26)",
        27 => "NVML_ERROR_NOT_READY (27)",
        28 => "NVML_ERROR_GPU_NOT_FOUND (28)",
        999 => "NVML_ERROR_UNKNOWN (999)",
        _ => $"NVML error {rc}",
    };
}
