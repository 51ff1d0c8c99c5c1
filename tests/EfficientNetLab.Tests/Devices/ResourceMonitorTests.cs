using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EfficientNetLab.Devices;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Devices;

public sealed class ResourceMonitorTests(FakeNvml fake) : IClassFixture<FakeNvml>, IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("effnet-monitor").FullName;
    readonly string noNvml = Path.Combine(Path.GetTempPath(), $"no-such-dir-{Guid.NewGuid():N}", "libnvidia-ml.so.1");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static void Burn(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        double x = 1;
        while (clock.Elapsed < duration) x = Math.Sqrt(x + 1);
        GC.KeepAlive(x);
    }

    static string[][] Rows(string csv) => File.ReadAllLines(csv)[1..].Select(l => l.Split(',')).ToArray();

    static double[] Column(string csv, string name)
    {
        int i = Array.IndexOf(File.ReadLines(csv).First().Split(','), name);
        Assert.True(i >= 0, $"no column {name}");
        // Empty cells are values that could not be read in that sample.
        return Rows(csv).Where(r => r[i] != "").Select(r => double.Parse(r[i], CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public async Task Cpu_and_memory_samples_go_to_the_csv_as_taken_and_into_running_statistics()
    {
        var csv = Path.Combine(dir, "run.csv");
        // Compiled first, so that the CPU time spent before the monitor's baseline is negligible.
        await ResourceMonitor.Start(TimeSpan.FromHours(1), nvmlLibrary: noNvml).DisposeAsync();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var monitor = ResourceMonitor.Start(TimeSpan.FromMilliseconds(20), csv, nvmlLibrary: noNvml);
        Burn(TimeSpan.FromMilliseconds(500));
        int rowsWhileRunning = Rows(csv).Length;
        await monitor.DisposeAsync();
        var cpuUsed = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;

        Assert.True(rowsWhileRunning >= 1, "rows are flushed as they are sampled");
        Assert.Equal("timestamp,elapsed_s,process_cpu_percent,process_rss_mib,system_cpu_percent,system_memory_used_mib",
            File.ReadLines(csv).First());
        var rows = Rows(csv);
        Assert.True(rows.Length >= 3, $"{rows.Length} rows");
        Assert.All(rows, r =>
        {
            Assert.Equal(6, r.Length);
            DateTimeOffset.ParseExact(r[0], "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        });
        var elapsed = Column(csv, "elapsed_s");
        Assert.Equal(elapsed.Order(), elapsed);

        var summary = monitor.Summary;
        Assert.Equal(rows.Length, summary.Samples);
        Assert.Equal(["process_cpu_percent", "process_rss_mib", "system_cpu_percent", "system_memory_used_mib"], summary.Metrics.Keys);
        foreach (var (name, stats) in summary.Metrics)
        {
            Assert.True(stats.Peak >= stats.Mean, name);
            Assert.Equal(Column(csv, name).Length, stats.Count);
            // Running statistics agree with the rows written (which are rounded to 3 decimals).
            Assert.Equal(Column(csv, name).Average(), stats.Mean, tolerance: 1e-3);
            Assert.Equal(Column(csv, name).Max(), stats.Peak, tolerance: 1e-3);
        }
        Assert.Equal(rows.Length, summary.Metrics["process_cpu_percent"].Count);
        // The samples tile the run from start to stop, so CPU % integrated over time is the CPU time the process used
        // (up to clock ticks at either end), however busy the machine is.
        var percent = Column(csv, "process_cpu_percent");
        double integral = percent.Select((p, i) => p / 100 * (elapsed[i] - (i == 0 ? 0 : elapsed[i - 1]))).Sum();
        Assert.InRange(integral, cpuUsed * 0.9 - 0.05, cpuUsed * 1.1 + 0.05);
        Assert.True(cpuUsed > 0.1, $"burning for 500 ms used {cpuUsed:F3} s of CPU");
        Assert.True(summary.Metrics["process_rss_mib"].Mean > 1);
    }

    [Fact]
    public async Task Run_shorter_than_the_interval_still_gets_a_closing_sample()
    {
        var csv = Path.Combine(dir, "short.csv");
        var monitor = ResourceMonitor.Start(TimeSpan.FromHours(1), csv, nvmlLibrary: noNvml);
        Burn(TimeSpan.FromMilliseconds(100));
        await monitor.DisposeAsync();

        Assert.Equal(1, monitor.Summary.Samples);
        Assert.Single(Rows(csv));
        Assert.Equal(1, monitor.Summary.Metrics["process_cpu_percent"].Count);
    }

    [Fact]
    public async Task Gpu_metrics_come_from_nvml_and_unsupported_ones_stay_empty()
    {
        var csv = Path.Combine(dir, "gpu.csv");
        int seen = 0;
        var enough = new TaskCompletionSource();
        var monitor = ResourceMonitor.Start(TimeSpan.FromMilliseconds(20), csv,
            s => { if (s.Gpus.Count == 2 && Interlocked.Increment(ref seen) == 3) enough.TrySetResult(); }, fake.Current);
        await enough.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await monitor.DisposeAsync();

        var metrics = monitor.Summary.Metrics;
        Assert.Equal((37.0, 37.0), (metrics["gpu0_utilization_percent"].Peak, metrics["gpu0_utilization_percent"].Mean));
        Assert.Equal(10240.0, metrics["gpu0_memory_used_mib"].Peak);
        Assert.Equal(45.0, metrics["gpu0_temperature_c"].Peak);
        Assert.Equal(123.456, metrics["gpu0_power_w"].Mean, tolerance: 1e-9);
        Assert.Equal(5.0, metrics["gpu1_utilization_percent"].Peak);
        Assert.DoesNotContain("gpu1_temperature_c", metrics.Keys);
        Assert.DoesNotContain("gpu1_power_w", metrics.Keys);

        var header = File.ReadLines(csv).First().Split(',');
        int power1 = Array.IndexOf(header, "gpu1_power_w");
        Assert.Equal(header.Length - 1, power1);
        Assert.All(Rows(csv), r => Assert.Equal("", r[power1]));
    }

    [Fact]
    public void Interval_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ResourceMonitor.Start(TimeSpan.Zero));

    [Fact]
    public async Task Cli_watch_prints_a_line_per_sample_until_ctrl_c_then_one_json_summary()
    {
        var csv = Path.Combine(dir, "watch.csv");
        var psi = Repo.Interruptible(Path.Combine(AppContext.BaseDirectory, "effnet"), ["devices", "--watch", "0.05", "--csv", csv, "--json"]);
        psi.Environment[DeviceReport.NvmlLibraryVariable] = fake.Current;
        using var p = Process.Start(psi)!;
        try
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = new StringBuilder();
            int lines = 0;
            var threeLines = new TaskCompletionSource();
            p.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stderr) stderr.AppendLine(e.Data);
                if (e.Data.Contains("gpu0 37% 10.0/79.6 GiB 45 °C 123 W") && Interlocked.Increment(ref lines) == 3) threeLines.TrySetResult();
            };
            p.BeginErrorReadLine();
            await threeLines.Task.WaitAsync(TimeSpan.FromSeconds(60));

            // The signal state before the interrupt, for the failure message (effnet may have re-executed itself).
            var signals = string.Join(", ", File.ReadLines($"/proc/{p.Id}/status").Where(l => l.StartsWith("Sig", StringComparison.Ordinal)));
            Repo.Run("kill", ["-INT", p.Id.ToString(CultureInfo.InvariantCulture)]);

            Assert.True(p.WaitForExit(30_000), $"effnet devices --watch ignored SIGINT ({signals}); stderr:\n{stderr}");
            Assert.True(p.ExitCode == 0, stderr.ToString());
            var json = JsonNode.Parse(await stdout)!.AsObject();
            Assert.Equal(0.05, (double)json["interval_s"]!);
            Assert.Equal(csv, (string)json["csv"]!);
            Assert.True((int)json["samples"]! >= 3);
            Assert.Equal(37.0, (double)json["metrics"]!["gpu0_utilization_percent"]!["peak"]!);
            Assert.Equal((int)json["samples"]!, Rows(csv).Length);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }
}
