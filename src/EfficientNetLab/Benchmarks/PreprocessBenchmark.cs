using System.Diagnostics;
using EfficientNetLab.Imaging;

namespace EfficientNetLab.Benchmarks;

/// <summary>Throughput of decode + eval transform, where the time went (summed over workers), and the CPU time
/// the whole process used meanwhile (runtime threads included), which other load on the machine inflates less
/// than wall time.</summary>
public sealed record PreprocessBenchmarkResult(int Workers, int Files, int Passes, int Images, TimeSpan Elapsed,
    TimeSpan ProcessorTime, StageTimes Stages)
{
    public double ImagesPerSecond => Images / Elapsed.TotalSeconds;
}

/// <summary>
/// Runs a <see cref="Preprocessor"/> over image files the way a data loader would: each worker is a thread with its
/// own <see cref="PreprocessScratch"/> and output buffer. The split matches tests/bench/pil_preprocess.py (worker w
/// takes items w, w + N, … of the files repeated <c>passes</c> times) so that both sides do the same work.
/// </summary>
public static class PreprocessBenchmark
{
    /// <summary>
    /// Every worker first processes its share of the distinct files once, untimed (JIT, buffers, coefficient
    /// tables, page cache); then all start together and the clock runs until the last one finishes.
    /// </summary>
    public static PreprocessBenchmarkResult Run(Preprocessor preprocessor, IReadOnlyList<string> files, int workers, int passes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        if (files.Count == 0) throw new ArgumentException("No files to process.", nameof(files));
        var work = Enumerable.Repeat(files, passes).SelectMany(f => f).ToArray();
        var times = new StageTimes[workers];
        var errors = new Exception?[workers];
        using var start = new Barrier(workers + 1);
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            using var scratch = new PreprocessScratch();
            var chw = new float[preprocessor.OutputLength];
            try
            {
                for (int i = w; i < files.Count; i += workers) preprocessor.ProcessInto(files[i], chw, scratch);
                scratch.ResetTimes();
            }
            catch (Exception e)
            {
                errors[w] = e;
            }
            finally
            {
                start.SignalAndWait();
            }
            if (errors[w] is not null) return;
            try
            {
                for (int i = w; i < work.Length; i += workers) preprocessor.ProcessInto(work[i], chw, scratch);
                times[w] = scratch.Times;
            }
            catch (Exception e)
            {
                errors[w] = e;
            }
        }) { Name = $"preprocess-{w}", IsBackground = true }).ToArray();
        foreach (var t in threads) t.Start();
        using var process = Process.GetCurrentProcess();
        start.SignalAndWait();
        long t0 = Stopwatch.GetTimestamp();
        var cpu0 = process.TotalProcessorTime;
        foreach (var t in threads) t.Join();
        var elapsed = Stopwatch.GetElapsedTime(t0);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        if (errors.FirstOrDefault(e => e is not null) is { } error) throw error;
        return new PreprocessBenchmarkResult(workers, files.Count, passes, work.Length, elapsed, cpu, times.Aggregate((a, b) => a + b));
    }
}
