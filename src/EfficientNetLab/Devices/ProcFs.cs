using System.Globalization;
using System.Runtime.InteropServices;

namespace EfficientNetLab.Devices;

/// <summary>The /proc files the device report and the resource monitor read; null where a file or field is absent.</summary>
internal static class ProcFs
{
    /// <summary>A field of a "Name:   123 kB" file (/proc/meminfo, /proc/self/status) in bytes.</summary>
    public static long? KilobyteField(string file, string field)
    {
        foreach (var line in ReadLines(file))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal) || line.Length <= field.Length || line[field.Length] != ':') continue;
            var parts = line[(field.Length + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return parts.Length > 0 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
        }
        return null;
    }

    public static string? CpuModel()
    {
        foreach (var line in ReadLines("/proc/cpuinfo"))
        {
            int colon = line.IndexOf(':');
            // x86 says "model name"; arm64 kernels have no model line unless the firmware provides "Hardware".
            if (colon > 0 && line[..colon].Trim() is "model name" or "Hardware") return line[(colon + 1)..].Trim();
        }
        return null;
    }

    /// <summary>CPU time this process has used (utime + stime of /proc/self/stat).</summary>
    public static TimeSpan? ProcessCpuTime()
    {
        var stat = ReadAll("/proc/self/stat");
        // The command name (field 2) is parenthesised and may itself contain spaces and ')'.
        int close = stat?.LastIndexOf(')') ?? -1;
        if (close < 0) return null;
        var fields = stat![(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 13 || !long.TryParse(fields[11], out var utime) || !long.TryParse(fields[12], out var stime)) return null;
        return TimeSpan.FromSeconds((double)(utime + stime) / ClockTicksPerSecond);
    }

    /// <summary>(busy, total) jiffies over all CPUs from the first line of /proc/stat; idle and iowait count as not busy.</summary>
    public static (long Busy, long Total)? SystemCpuTimes()
    {
        var line = ReadLines("/proc/stat").FirstOrDefault();
        if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal)) return null;
        var values = line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        // Fields 9 and 10 (guest, guest_nice) are already included in user and nice.
        long total = values.Take(8).Sum();
        long idle = values[3] + (values.Length > 4 ? values[4] : 0);
        return (total - idle, total);
    }

    static readonly long ClockTicksPerSecond = OperatingSystem.IsLinux() && sysconf(ScClkTck) is > 0 and var hz ? hz : 100;

    const int ScClkTck = 2;

    [DllImport("libc", EntryPoint = "sysconf")]
    static extern long sysconf(int name);

    static string? ReadAll(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    static IEnumerable<string> ReadLines(string path) => ReadAll(path)?.Split('\n') ?? [];
}
