// Where ONNX Runtime spends a batch: its own profiler (SessionOptions.EnableProfiling) over plain ONNX Runtime on an
// .onnx file, as ort-harness.cs runs it, summed per operator type over the timed runs (warm-up runs left out).
// What it showed on the kit's B0 export is in docs/benchmarks.md.
//   dotnet run tests/bench/ort-profile.cs -c Release -- FILE.onnx [threads=2] [batch=32] [runs=6] [warmup=2] [size=224]
// Prints one line per operator type: "OP ms/run share", then the mean Run time with the profiler on.
#:package Microsoft.ML.OnnxRuntime@1.31.1
#:property PublishAot=false
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

string path = args.ElementAtOrDefault(0) ?? throw new ArgumentException("usage: ort-profile.cs FILE.onnx [threads] [batch] [runs] [warmup] [size]");
int threads = int.Parse(args.ElementAtOrDefault(1) ?? "2");
int batch = int.Parse(args.ElementAtOrDefault(2) ?? "32");
int runs = int.Parse(args.ElementAtOrDefault(3) ?? "6");
int warmup = int.Parse(args.ElementAtOrDefault(4) ?? "2");
int size = int.Parse(args.ElementAtOrDefault(5) ?? "224");

var prefix = Path.Combine(Path.GetTempPath(), $"ort-profile-{Environment.ProcessId}");
using var options = new SessionOptions
{
    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads,
    EnableProfiling = true, ProfileOutputPathPrefix = prefix,
};
using var session = new InferenceSession(path, options);
var input = new float[batch * 3 * size * size];
var random = new Random(0);
for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);
using var x = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, size, size]);
using var runOptions = new RunOptions();
for (int i = 0; i < warmup + runs; i++)
{
    using var y = session.Run(runOptions, [session.InputNames[0]], [x], session.OutputNames);
}
var file = session.EndProfiling();

// Chrome-trace events: one "model_run" per Run, one "*_kernel_time" per node execution inside it.
using var trace = JsonDocument.Parse(File.ReadAllText(file));
File.Delete(file);
var events = trace.RootElement.EnumerateArray().ToList();
var timed = events.Where(e => e.GetProperty("cat").GetString() == "Session" && e.GetProperty("name").GetString() == "model_run")
    .Skip(warmup).Select(e => (Start: e.GetProperty("ts").GetInt64(), End: e.GetProperty("ts").GetInt64() + e.GetProperty("dur").GetInt64())).ToList();
var perOp = new Dictionary<string, long>();
foreach (var e in events.Where(e => e.GetProperty("cat").GetString() == "Node" && e.GetProperty("name").GetString()!.EndsWith("_kernel_time")))
{
    long ts = e.GetProperty("ts").GetInt64();
    if (!timed.Any(r => r.Start <= ts && ts <= r.End)) continue;
    var op = e.GetProperty("args").GetProperty("op_name").GetString()!;
    perOp[op] = perOp.GetValueOrDefault(op) + e.GetProperty("dur").GetInt64();
}
double total = perOp.Values.Sum();
foreach (var (op, us) in perOp.OrderByDescending(kv => kv.Value))
    Console.WriteLine($"{op,-20} {us / 1000.0 / timed.Count,8:F1} ms/run {100 * us / total,5:F1} %");
Console.WriteLine($"Run (profiler on): {timed.Average(r => r.End - r.Start) / 1000:F1} ms mean over {timed.Count} runs at batch {batch}, {threads} threads");
