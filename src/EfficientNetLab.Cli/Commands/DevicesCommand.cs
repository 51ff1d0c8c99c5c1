using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using EfficientNetLab.Devices;

namespace EfficientNetLab.Cli.Commands;

internal static class DevicesCommand
{
    const double GiB = 1024.0 * 1024 * 1024, MiB = 1024.0 * 1024;

    public static Command Create(Output output)
    {
        var watch = new Option<double?>("--watch")
        {
            Description = "Sample every SECONDS and print a line each time (GPU load, or CPU and memory without a GPU) until Ctrl-C.",
            HelpName = "SECONDS",
        };
        watch.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is <= 0) r.AddError("--watch takes a positive number of seconds.");
        });
        var csv = new Option<string?>("--csv") { Description = "With --watch: also write every sample to this CSV file.", HelpName = "FILE" };
        var json = CommonOptions.Json();
        var command = new Command("devices",
            $"What this machine offers: GPUs as the NVIDIA driver sees them (NVML; {DeviceReport.NvmlLibraryVariable} overrides the library), " +
            "TorchSharp's CUDA and native backend, and the CPU.") { watch, csv, json };
        command.Validators.Add(r =>
        {
            if (r.GetValue(csv) is not null && r.GetValue(watch) is null) r.AddError("--csv needs --watch.");
        });
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                if (parse.GetValue(watch) is { } seconds)
                    return await WatchAsync(output, TimeSpan.FromSeconds(seconds), parse.GetValue(csv), asJson, ct);
                var report = Lab.DeviceInfo();
                if (asJson) output.Json(report.ToJson());
                else Card(output, report);
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }

    static async Task<int> WatchAsync(Output output, TimeSpan interval, string? csvPath, bool asJson, CancellationToken ct)
    {
        // With --json, stdout is reserved for the one summary object printed at the end.
        var lines = asJson ? output.Err : output.Out;
        var monitor = ResourceMonitor.Start(interval, csvPath, s => lines.WriteLine(SampleLine(s)));
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        await monitor.DisposeAsync();

        var summary = monitor.Summary;
        if (asJson)
        {
            var result = new JsonObject
            {
                ["interval_s"] = interval.TotalSeconds,
                ["csv"] = monitor.CsvPath,
            };
            foreach (var (key, value) in summary.ToJson()) result[key] = value?.DeepClone();
            output.Json(result);
            return 0;
        }
        output.Line($"{summary.Samples} samples over {summary.Duration.TotalSeconds:F1} s{(monitor.CsvPath is { } p ? $", written to {p}" : "")}");
        output.Table(["metric", "peak", "mean"], summary.Metrics.Select(m => (IReadOnlyList<string>)
            [m.Key, m.Value.Peak.ToString("0.#", CultureInfo.InvariantCulture), m.Value.Mean.ToString("0.#", CultureInfo.InvariantCulture)]));
        return 0;
    }

    static string SampleLine(ResourceSample s)
    {
        var time = s.Time.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var effnet = $"effnet {Percent(s.ProcessCpuPercent)} {Number(s.ProcessRssBytes / MiB, "0")} MiB";
        if (s.Gpus.Count > 0)
            return $"{time}  " + string.Join("  ", s.Gpus.Select(g =>
                $"gpu{g.Index} {Percent(g.UtilizationPercent)} {Number(g.MemoryUsedBytes / GiB, "0.0")}/{Number(g.MemoryTotalBytes / GiB, "0.0")} GiB " +
                $"{Number(g.TemperatureC, "0")} °C {Number(g.PowerWatts, "0")} W")) + $"  {effnet}";
        return $"{time}  cpu {Percent(s.SystemCpuPercent)}  memory {Number(s.MemoryUsedBytes / GiB, "0.0")}/{Number(s.MemoryTotalBytes / GiB, "0.0")} GiB  {effnet}";
    }

    static void Card(Output output, DeviceReport r)
    {
        var n = r.Nvml;
        output.Line(n.Loaded
            ? $"NVML        driver {n.DriverVersion ?? "?"}, CUDA {n.CudaDriverVersion ?? "?"} ({n.Library})"
            : $"GPUs        none: {n.Problem}");
        Unavailable(output, n.Unavailable);
        foreach (var g in r.Gpus)
        {
            output.Line($"GPU {g.Index,-7} {g.Name ?? "?"}  {g.Uuid ?? ""}  compute capability {g.ComputeCapability ?? "?"}");
            output.Line($"            memory {Number(g.MemoryUsedBytes / GiB, "0.0")} / {Number(g.MemoryTotalBytes / GiB, "0.0")} GiB used, " +
                        $"utilization {Percent(g.UtilizationPercent)} (memory {Percent(g.MemoryUtilizationPercent)}), {Number(g.TemperatureC, "0")} °C, " +
                        $"power {Number(g.PowerDrawWatts, "0")} / {Number(g.PowerLimitWatts, "0")} W");
            output.Line($"            clocks graphics {Number(g.GraphicsClockMHz, "0")}, SM {Number(g.SmClockMHz, "0")}, memory {Number(g.MemoryClockMHz, "0")} MHz");
            Unavailable(output, g.Unavailable);
        }

        var t = r.Torch;
        if (t.Problem is not null) output.Line($"TorchSharp  {t.TorchSharpVersion}: {t.Problem}");
        else
        {
            output.Line($"TorchSharp  {t.TorchSharpVersion}, libtorch {t.LibTorchVersion}, {t.Threads} threads, oneDNN ISA cap {t.OneDnnMaxIsa ?? "none"}");
            output.Line($"            CUDA {(t.CudaAvailable ? $"yes ({t.CudaDeviceCount} devices)" : "no")}, cuDNN {(t.CudnnAvailable ? "yes" : "no")}");
            output.Line($"            native {(t.NativePackages.Count > 0 ? string.Join(", ", t.NativePackages) : "backend")} from {t.NativeFolder ?? "?"}");
        }
        if (t.CudaDiagnosis.Count > 0)
        {
            output.Line($"            NVML sees {r.Gpus.Count} GPU(s) but TorchSharp has no CUDA:");
            foreach (var c in t.CudaDiagnosis)
                output.Line($"            [{(c.Passed ? "ok" : "FAIL")}] {c.Check}: {c.Detail.Split('\n')[0]}");
        }

        var cpu = r.Cpu;
        output.Line($"CPU         {cpu.Model ?? "?"}, {cpu.LogicalCores} logical cores, {string.Join(' ', cpu.Simd)}");
        output.Line($"            memory {Number(cpu.MemoryAvailableBytes / GiB, "0.0")} / {Number(cpu.MemoryTotalBytes / GiB, "0.0")} GiB available; " +
                    $"this process {Number(cpu.ProcessWorkingSetBytes / MiB, "0")} MiB (peak {Number(cpu.ProcessPeakWorkingSetBytes / MiB, "0")} MiB)");
    }

    static void Unavailable(Output output, IReadOnlyDictionary<string, string> unavailable)
    {
        foreach (var group in unavailable.GroupBy(kv => kv.Value))
            output.Line($"            n/a {string.Join(", ", group.Select(kv => kv.Key))}: {group.Key}");
    }

    static string Percent(double? value) => value is { } v ? $"{v:0}%" : "-";

    static string Number(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
}
