using System.Globalization;
using EfficientNetLab.Devices;
using TorchSharp;

namespace EfficientNetLab.Interactive.Hosting;

/// <summary>
/// What #!cuda-info shows. SEAM: the library's EfficientNetLab.Devices.DeviceReport (branch devices: driver,
/// NVML, per-GPU memory and utilisation) is not on main yet; when it lands, #!cuda-info renders
/// DeviceReport.Collect() and this record goes. Until then it reports only what TorchSharp and the OS tell
/// without a second NVML binding.
/// </summary>
public sealed record DeviceInfo(
    string TorchSharpVersion,
    string LibTorchVersion,
    bool CudaAvailable,
    int CudaDeviceCount,
    bool CudnnAvailable,
    int TorchThreads,
    string? OneDnnMaxIsa,
    string CpuModel,
    int LogicalCores,
    long MemoryTotalBytes,
    long MemoryAvailableBytes,
    string Os,
    string DotNet)
{
    public static DeviceInfo Collect()
    {
        TorchRuntime.Initialize();
        var mem = SystemSampler.MemInfo();
        return new DeviceInfo(
            typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?",
            torch.__version__,
            torch.cuda.is_available(),
            torch.cuda.is_available() ? torch.cuda.device_count() : 0,
            torch.cuda.is_cudnn_available(),
            torch.get_num_threads(),
            TorchRuntime.OneDnnMaxIsa,
            ReadCpuModel(),
            Environment.ProcessorCount,
            mem.TotalBytes,
            mem.AvailableBytes,
            System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            Environment.Version.ToString());
    }

    private static string ReadCpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}

/// <summary>CPU and memory use from /proc, for #!cuda-info --watch.</summary>
public sealed class SystemSampler
{
    private (long Idle, long Total)? last;

    public readonly record struct Memory(long TotalBytes, long AvailableBytes);

    /// <summary>Busy share of all cores since the previous call (null on the first call).</summary>
    public double? CpuPercent()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        long idle = fields[3] + (fields.Length > 4 ? fields[4] : 0), total = fields.Sum();
        var previous = last;
        last = (idle, total);
        if (previous is not { } p || total == p.Total) return null;
        return 100.0 * (1 - (double)(idle - p.Idle) / (total - p.Total));
    }

    public static Memory MemInfo()
    {
        long total = 0, available = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts[0] == "MemTotal:") total = long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                else if (parts[0] == "MemAvailable:") available = long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
            // Not Linux: report zeros rather than fail the card.
        }
        return new Memory(total, available);
    }
}
