// Plain ONNX Runtime on an .onnx file, nothing of the kit loaded: the yardstick for the kit's ONNX Runtime backend
// (tests/bench/ort-side-by-side.sh). One InferenceSession with ORT_ENABLE_ALL and N intra-op threads, random input,
// warm-up, then the median of timed Run calls, as ModelBenchmark counts images/s.
//   dotnet run tests/bench/ort-harness.cs -c Release -- FILE.onnx [threads=2] [batches=1,32] [repeats=10] [warmup=3] [size=224]
// Prints one line per batch: "batch B images/s X median_ms M".
#:package Microsoft.ML.OnnxRuntime@1.31.1
#:property PublishAot=false
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

string path = args.ElementAtOrDefault(0) ?? throw new ArgumentException("usage: ort-harness.cs FILE.onnx [threads] [batches] [repeats] [warmup] [size]");
int threads = int.Parse(args.ElementAtOrDefault(1) ?? "2");
int[] batches = (args.ElementAtOrDefault(2) ?? "1,32").Split(',').Select(int.Parse).ToArray();
int repeats = int.Parse(args.ElementAtOrDefault(3) ?? "10");
int warmup = int.Parse(args.ElementAtOrDefault(4) ?? "3");
int size = int.Parse(args.ElementAtOrDefault(5) ?? "224");

using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
using var session = new InferenceSession(path, options);
using var runOptions = new RunOptions();
string inputName = session.InputMetadata.Keys.Single();
var random = new Random(0);
foreach (int batch in batches)
{
    var input = new float[batch * 3 * size * size];
    for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);
    using var value = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, size, size]);
    var inputs = new Dictionary<string, OrtValue> { [inputName] = value };
    var times = new List<double>();
    for (int i = 0; i < warmup + repeats; i++)
    {
        var clock = Stopwatch.StartNew();
        using (var outputs = session.Run(runOptions, inputs, session.OutputNames)) { }
        if (i >= warmup) times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    double median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
    Console.WriteLine($"batch {batch} images/s {batch / (median / 1000):F1} median_ms {median:F2}");
}
