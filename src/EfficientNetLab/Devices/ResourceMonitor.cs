using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace EfficientNetLab.Devices;

/// <summary>
/// Samples GPU load (NVML, when there is a driver) and this process's CPU and memory in the background, e.g. around an
/// evaluation or a benchmark: <c>await using var m = ResourceMonitor.Start(TimeSpan.FromSeconds(1), "run.csv");</c>.
/// Each sample is appended to the CSV as it is taken; in memory only running peaks and means are kept, so a run of
/// any length costs the same memory.
/// </summary>
public sealed class ResourceMonitor : IAsyncDisposable
{
    const double MiB = 1024 * 1024;
    // CPU time advances in clock ticks (10 ms); a closing sample over a shorter stretch would be noise.
    static readonly TimeSpan MinClosingGap = TimeSpan.FromMilliseconds(10);

    readonly TimeSpan interval;
    readonly Nvml? nvml;
    readonly (int Index, nint Handle)[] gpus;
    readonly StreamWriter? csv;
    readonly Action<ResourceSample>? onSample;
    readonly (string Name, Func<ResourceSample, double?> Read)[] columns;
    readonly (double Peak, double Sum, int Count)[] stats;
    readonly Lock gate = new();
    readonly CancellationTokenSource stop = new();
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly Task loop;
    int samples, disposed;
    TimeSpan lastAt;
    TimeSpan? lastCpu;
    (long Busy, long Total)? lastSystem;

    /// <summary>CSV file the samples go to, or null.</summary>
    public string? CsvPath { get; }

    /// <param name="interval">Time between samples (default 1 s).</param>
    /// <param name="csvPath">File to write a header and one row per sample to (replaced if it exists).</param>
    /// <param name="onSample">Called on the sampling thread after each sample, e.g. to print it.</param>
    /// <param name="nvmlLibrary">NVML library to load instead of EFFNET_NVML_LIBRARY or libnvidia-ml.so.1.</param>
    public static ResourceMonitor Start(TimeSpan? interval = null, string? csvPath = null,
        Action<ResourceSample>? onSample = null, string? nvmlLibrary = null)
    {
        var every = interval ?? TimeSpan.FromSeconds(1);
        if (every <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), every, "The sampling interval must be positive.");
        return new ResourceMonitor(every, csvPath, onSample, nvmlLibrary);
    }

    ResourceMonitor(TimeSpan interval, string? csvPath, Action<ResourceSample>? onSample, string? nvmlLibrary)
    {
        this.interval = interval;
        CsvPath = csvPath is null ? null : Path.GetFullPath(csvPath);
        this.onSample = onSample;
        nvml = Nvml.Open(nvmlLibrary, out _);
        gpus = nvml is not null && nvml.DeviceCount(out var count) == Nvml.Success
            ? Enumerable.Range(0, (int)count)
                .Select(i => nvml.Handle((uint)i, out var h) == Nvml.Success ? (i, h) : (i, (nint)0))
                .Where(g => g.Item2 != 0).ToArray()
            : [];

        var list = new List<(string, Func<ResourceSample, double?>)>
        {
            ("process_cpu_percent", s => s.ProcessCpuPercent),
            ("process_rss_mib", s => s.ProcessRssBytes / MiB),
            ("system_cpu_percent", s => s.SystemCpuPercent),
            ("system_memory_used_mib", s => s.MemoryUsedBytes / MiB),
        };
        for (int k = 0; k < gpus.Length; k++)
        {
            int slot = k;
            var prefix = $"gpu{gpus[k].Index}_";
            list.Add((prefix + "utilization_percent", s => s.Gpus[slot].UtilizationPercent));
            list.Add((prefix + "memory_used_mib", s => s.Gpus[slot].MemoryUsedBytes / MiB));
            list.Add((prefix + "temperature_c", s => s.Gpus[slot].TemperatureC));
            list.Add((prefix + "power_w", s => s.Gpus[slot].PowerWatts));
        }
        columns = [.. list];
        stats = new (double, double, int)[columns.Length];

        try
        {
            if (CsvPath is not null)
            {
                csv = new StreamWriter(CsvPath, append: false);
                csv.WriteLine(string.Join(',', ["timestamp", "elapsed_s", .. columns.Select(c => c.Name)]));
                csv.Flush();
            }
        }
        catch
        {
            nvml?.Dispose();
            throw;
        }
        lastCpu = ProcFs.ProcessCpuTime();
        lastSystem = ProcFs.SystemCpuTimes();
        lastAt = clock.Elapsed;
        loop = Task.Run(RunAsync);
    }

    /// <summary>Peak and mean of every metric so far (final once disposed).</summary>
    public MonitorSummary Summary
    {
        get
        {
            lock (gate)
            {
                var metrics = new Dictionary<string, MetricStats>();
                for (int i = 0; i < columns.Length; i++)
                    if (stats[i].Count > 0) metrics[columns[i].Name] = new MetricStats(stats[i].Peak, stats[i].Sum / stats[i].Count, stats[i].Count);
                return new MonitorSummary(samples, lastAt, metrics);
            }
        }
    }

    /// <summary>Stops sampling after one closing sample, and closes the CSV file. Rethrows what stopped the sampler.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        stop.Cancel();
        try
        {
            await loop.ConfigureAwait(false);
            if (clock.Elapsed - lastAt >= MinClosingGap) Sample();
        }
        finally
        {
            if (csv is not null) await csv.DisposeAsync().ConfigureAwait(false);
            nvml?.Dispose();
            stop.Dispose();
        }
    }

    async Task RunAsync()
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false)) Sample();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    void Sample()
    {
        var now = clock.Elapsed;
        var cpu = ProcFs.ProcessCpuTime();
        var system = ProcFs.SystemCpuTimes();
        var total = ProcFs.KilobyteField("/proc/meminfo", "MemTotal");
        var available = ProcFs.KilobyteField("/proc/meminfo", "MemAvailable");
        var sample = new ResourceSample(
            DateTimeOffset.UtcNow,
            now,
            cpu is { } c && lastCpu is { } lc && now > lastAt ? 100 * (c - lc) / (now - lastAt) : null,
            ProcFs.KilobyteField("/proc/self/status", "VmRSS"),
            system is { } s && lastSystem is { } ls && s.Total > ls.Total ? 100.0 * (s.Busy - ls.Busy) / (s.Total - ls.Total) : null,
            total - available,
            total,
            gpus.Select(g => ReadGpu(g.Index, g.Handle)).ToArray());
        lastCpu = cpu;
        lastSystem = system;

        var values = columns.Select(col => col.Read(sample)).ToArray();
        lock (gate)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] is not { } v) continue;
                var (peak, sum, count) = stats[i];
                stats[i] = (count == 0 ? v : Math.Max(peak, v), sum + v, count + 1);
            }
            samples++;
            lastAt = now;
        }
        if (csv is not null)
        {
            csv.WriteLine(string.Join(',', [
                sample.Time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                now.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture),
                .. values.Select(v => v?.ToString("0.###", CultureInfo.InvariantCulture) ?? "")]));
            // Flushed per row so that a run that dies still leaves its samples, and `tail -f` shows them.
            csv.Flush();
        }
        onSample?.Invoke(sample);
    }

    GpuSample ReadGpu(int index, nint device)
    {
        bool hasMemory = nvml!.Memory(device, out var memory) == Nvml.Success;
        bool hasUtilization = nvml.UtilizationRates(device, out var utilization) == Nvml.Success;
        bool hasTemperature = nvml.Temperature(device, out var celsius) == Nvml.Success;
        bool hasPower = nvml.PowerUsageMilliwatts(device, out var milliwatts) == Nvml.Success;
        return new GpuSample(index,
            hasUtilization ? utilization.Gpu : null,
            hasMemory ? memory.Used : null,
            hasMemory ? memory.Total : null,
            hasTemperature ? celsius : null,
            hasPower ? milliwatts / 1000.0 : null);
    }
}

/// <summary>One sample of <see cref="ResourceMonitor"/>; null where a value could not be read.</summary>
/// <param name="Elapsed">Time since the monitor started.</param>
/// <param name="ProcessCpuPercent">This process's CPU use since the previous sample; 100 = one core busy (like top).</param>
/// <param name="ProcessRssBytes">Resident memory of this process (VmRSS).</param>
/// <param name="SystemCpuPercent">The whole machine's CPU use since the previous sample; 100 = every core busy.</param>
/// <param name="MemoryUsedBytes">MemTotal − MemAvailable of /proc/meminfo.</param>
public sealed record ResourceSample(DateTimeOffset Time, TimeSpan Elapsed, double? ProcessCpuPercent, long? ProcessRssBytes,
    double? SystemCpuPercent, long? MemoryUsedBytes, long? MemoryTotalBytes, IReadOnlyList<GpuSample> Gpus);

/// <summary>One GPU in a <see cref="ResourceSample"/> (NVML index).</summary>
public sealed record GpuSample(int Index, uint? UtilizationPercent, ulong? MemoryUsedBytes, ulong? MemoryTotalBytes,
    int? TemperatureC, double? PowerWatts);

/// <summary>Running statistics of a <see cref="ResourceMonitor"/>.</summary>
/// <param name="Duration">Time from the start to the latest sample.</param>
/// <param name="Metrics">By CSV column name (process_cpu_percent, gpu0_memory_used_mib, …); metrics never read are absent.</param>
public sealed record MonitorSummary(int Samples, TimeSpan Duration, IReadOnlyDictionary<string, MetricStats> Metrics)
{
    public JsonObject ToJson() => new()
    {
        ["samples"] = Samples,
        ["duration_s"] = Math.Round(Duration.TotalSeconds, 3),
        ["metrics"] = new JsonObject(Metrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)new JsonObject
        {
            ["peak"] = Math.Round(m.Value.Peak, 3), ["mean"] = Math.Round(m.Value.Mean, 3), ["samples"] = m.Value.Count,
        }))),
    };
}

/// <param name="Count">Samples in which the metric could be read.</param>
public readonly record struct MetricStats(double Peak, double Mean, int Count);
