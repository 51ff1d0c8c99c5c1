// Where the kit's ONNX Runtime backend lost time against plain ONNX Runtime (issue #15), one suspect at a time, in
// one process that hosts libtorch as the kit does, taking turns round by round (images/s from the median pass):
//   before     the backend before #15: ONNX Runtime's own thread count, input copied out of the tensor
//              (data<float>().ToArray()), logits copied into a new tensor
//   threads    the same with the run's intra-op threads passed to the session
//   kit        ModelBenchmark on --onnx FILE: threads passed, tensors read and written in place (the backend now)
//   spin       kit's path with ONNX Runtime's threads left spinning after each run (session.force_spinning_stop = 0,
//              what the kit sets to 1)
//   no-spin    kit's path with session.intra_op.allow_spinning = 0 (no spinning within a run either)
//   torch-busy kit's settings right after a libtorch op on all threads (wakes libtorch's OpenMP pool each pass)
//   dotnet run tests/bench/ort-causes.cs -c Release -- FILE.onnx [threads=2] [batches=1,32] [rounds=3] [repeats=10]
#:project ../../src/EfficientNetLab/EfficientNetLab.csproj
#:property UsesTorchNative=true
#:property RuntimeIdentifier=linux-x64
#:property SelfContained=false
#:property PublishAot=false
#:property AllowUnsafeBlocks=true
using System.Diagnostics;
using EfficientNetLab.Benchmarks;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Weights;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

string path = Path.GetFullPath(args.ElementAtOrDefault(0) ?? throw new ArgumentException("usage: ort-causes.cs FILE.onnx [threads] [batches] [rounds] [repeats]"));
int threads = int.Parse(args.ElementAtOrDefault(1) ?? "2");
int[] batches = (args.ElementAtOrDefault(2) ?? "1,32").Split(',').Select(int.Parse).ToArray();
int rounds = int.Parse(args.ElementAtOrDefault(3) ?? "3");
int repeats = int.Parse(args.ElementAtOrDefault(4) ?? "10");
const int warmup = 3, size = 224;

using var loaded = await ModelLoader.LoadAsync("b0", "random");
set_num_threads(threads);
Console.WriteLine($"{path}: {threads} threads, median of {repeats} after {warmup} warm-up, {rounds} rounds, {Environment.ProcessorCount} CPUs");

var variants = new (string Name, Func<int, double> Run)[]
{
    ("before", batch => Session(batch, intraOpThreads: null, copies: true, Spin.On)),
    ("threads", batch => Session(batch, threads, copies: true, Spin.On)),
    ("kit", batch => ModelBenchmark.Run(loaded, [batch], size, InferenceBackend.OnnxRuntime, warmup, repeats, threads, onnxFile: path)[0].ImagesPerSecond),
    ("spin", batch => Session(batch, threads, copies: false, Spin.On)),
    ("no-spin", batch => Session(batch, threads, copies: false, Spin.Off)),
    ("torch-busy", batch => Session(batch, threads, copies: false, Spin.StopAfterRun, torchBetween: true)),
};
var rates = new Dictionary<(string, int), List<double>>();
for (int round = 0; round < rounds; round++)
    foreach (int batch in batches)
        foreach (var (name, run) in round % 2 == 0 ? variants : variants.Reverse())
        {
            double rate = run(batch);
            (rates.TryGetValue((name, batch), out var list) ? list : rates[(name, batch)] = []).Add(rate);
            Console.WriteLine($"round {round + 1} batch {batch} {name} {rate:F1}");
        }
Console.WriteLine("batch  variant     images/s (median of rounds)");
foreach (int batch in batches)
    foreach (var (name, _) in variants)
        Console.WriteLine($"{batch,5}  {name,-10}  {rates[(name, batch)].Order().ElementAt(rounds / 2),8:F1}");

double Session(int batch, int? intraOpThreads, bool copies, Spin spin, bool torchBetween = false)
{
    using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
    if (intraOpThreads is int n) options.IntraOpNumThreads = n;
    if (spin == Spin.Off) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
    if (spin == Spin.StopAfterRun) options.AddSessionConfigEntry("session.force_spinning_stop", "1");
    using var session = new InferenceSession(path, options);
    using var runOptions = new RunOptions();
    using var scope = NewDisposeScope();
    var x = randn(batch, 3, size, size);
    var busy = randn(64, 256, 256);
    var times = new List<double>();
    for (int i = 0; i < warmup + repeats; i++)
    {
        if (torchBetween) busy.mul_(1.0001f);
        var clock = Stopwatch.StartNew();
        using (NewDisposeScope())
        {
            float[] input = copies ? x.data<float>().ToArray() : [];
            var logits = copies ? new float[batch * 1000] : [];
            using var inputValue = copies ? OrtValue.CreateTensorValueFromMemory(input, [batch, 3, size, size])
                : OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float,
                    [batch, 3, size, size], DataPointer(x), x.NumberOfElements * 4);
            var output = copies ? null : empty(batch, 1000);
            using var outputValue = copies ? OrtValue.CreateTensorValueFromMemory(logits, [batch, 1000])
                : OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float,
                    [batch, 1000], DataPointer(output!), batch * 1000 * 4);
            session.Run(runOptions, [session.InputNames[0]], [inputValue], [session.OutputNames[0]], [outputValue]);
            if (copies) tensor(logits, [batch, 1000]).Dispose();
        }
        if (i >= warmup) times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    return batch / (times[times.Count / 2] / 1000);
}

static unsafe IntPtr DataPointer(Tensor t)
{
    fixed (byte* p = t.bytes) return (IntPtr)p;
}

enum Spin { On, StopAfterRun, Off }
