using EfficientNetLab.Data;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;
using static EfficientNetLab.Tests.Docs.DocRules;

namespace EfficientNetLab.Tests.Docs;

/// <summary>
/// Every effnet command line that README.md and notebooks/README.md show (what counts: <see cref="DocumentedCommands"/>)
/// runs here as a real effnet process against local stand-ins (<see cref="DocWorkspace"/>): a documented line
/// without a rule below fails, and so does a rule whose line is gone. A rule is one line keyed by the command's text
/// as the document shows it (a table cell with <c>\|</c> read as <c>|</c>; a code-block line without its comment):
/// <c>AsWritten(check)</c> runs the line itself, <c>Run("args", check)</c> runs a concrete form of a synopsis with
/// every option it shows, <c>Steps(...)</c> several, <c>Exempt("why")</c> none.
/// </summary>
public sealed class ReadmeCommandTests : IClassFixture<ReadmeCommandTests.Mirror>
{
    /// <summary>
    /// The 127.0.0.1 weights host for all commands: the shipped sample under a torch.hub-style name carrying its
    /// own sha256 prefix, and the same bytes under torchvision's B0 file name, whose hash they cannot match.
    /// </summary>
    public sealed class Mirror : IDisposable
    {
        public LocalHttpServer Server { get; } = new();

        public Mirror()
        {
            Server.Add(DocWorkspace.StandInName, DocWorkspace.StandInBytes);
            Server.Add(CheckpointRegistry.Get("b0", "imagenet1k_v1").FileName, DocWorkspace.StandInBytes);
        }

        public void Dispose() => Server.Dispose();
    }

    /// <summary>The shipped sample's paths as the README writes them (from the repository root); declared before Rules, which reads it.</summary>
    private static readonly (string, string)[] SampleFiles =
        [("samples/fashion-mnist/efficientnet_b0_fashion_mnist.pth", "{sample}"), ("samples/fashion-mnist/test", "{fm}")];

    private static readonly Dictionary<string, DocRule> Rules = new()
    {
        // README: quick start and the effnet table.
        ["dotnet run --project src/EfficientNetLab.Cli -c Release -- predict --model b0 --weights imagenet1k_v1 samples/images/chelsea.png"] =
            AsWritten(Prints("samples/images/chelsea.png", "%"), hubCache: true),
        ["dotnet run --project src/EfficientNetLab.Cli -c Release -- VERB …"] = Run("--help", Prints("Usage:", "predict", "finetune")),
        ["effnet models"] = Run("models", Prints("efficientnet_b0", "efficientnet_v2_l", "imagenet1k_v2")),
        ["effnet weights list"] = Run("weights list", Prints("cache: {ws}/torch/hub/checkpoints", "imagenet1k_v1")),
        // Offline, torchvision's own B0 file cannot be served: the mirror's stand-in under its name must fail the hash check.
        ["effnet weights download b0 [--tag imagenet1k_v1] [--base-url URL]"] =
            Run("weights download b0 --tag imagenet1k_v1 --base-url {mirror}", Fails("Hash check failed for {mirror}efficientnet_b0_")),
        ["effnet weights download --url URL [-o FILE]"] = Steps(
            Run("weights download --url {standin-url} -o {ws}/w.pth", Writes("{ws}/w.pth").And(Prints("{ws}/w.pth"))),
            Run("weights download --url {standin-url}", Writes("{ws}/torch/hub/checkpoints/" + DocWorkspace.StandInName))),
        ["effnet weights verify FILE"] = Run("weights verify {standin}", Prints("hash prefix", ": ok", "state dict: ok")),
        ["effnet logits --model b0 --weights FILE --input X.npy --output Y.npy"] =
            Run("logits --model b0 --weights {sample} --input {npy} --output {ws}/y.npy", Writes("{ws}/y.npy").And(NpyShape("{ws}/y.npy", 2, 10))),
        ["effnet predict --model b0 --weights FILE|imagenet1k_v1|random IMAGE… [--topk 5]"] = Steps(
            Run("predict --model b0 --weights {sample} {images}/chelsea.png {images}/coffee.png --topk 5", Prints("chelsea.png", "coffee.png")),
            Run("predict --model b0 --weights imagenet1k_v1 {image} --topk 5", Prints("chelsea.png"), hubCache: true),
            Run("predict --model b0 --weights random {image} --topk 5", Prints("chelsea.png"))),
        ["effnet preprocess --model b0 --image F --output X.npy"] =
            Run("preprocess --model b0 --image {image} --output {ws}/x.npy", Writes("{ws}/x.npy").And(NpyShape("{ws}/x.npy", 1, 3, 224, 224))),
        ["effnet eval --model b0 --weights FILE|imagenet1k_v1 --data DIR [--out RUN] [--resume|--overwrite]"] = Steps(
            Run("eval --model b0 --weights {sample} --data {fm} --out {ws}/run", Writes("{ws}/run/summary.json", "{ws}/run/predictions.csv")),
            Run("eval --model b0 --weights {sample} --data {fm} --out {ws}/run --resume", Prints("top-1")),
            Run("eval --model b0 --weights {sample} --data {fm} --out {ws}/run --overwrite", Prints("top-1", "mapped by")),
            Run("eval --model b0 --weights imagenet1k_v1 --data {wnids}", Prints("top-1"), hubCache: true)),
        ["effnet data check DIR"] = Run("data check {fm}", Prints("Ankle_boot", "Trouser")),
        ["effnet data fashion-mnist --out DIR"] = Run("data fashion-mnist --out {ws}/fm --limit 20", Prints("20 images in {ws}/fm/test")),
        ["effnet finetune --data DIR --out RUN [--weights W]"] =
            Run("finetune --data {fm} --out {ws}/ft --weights {sample} --epochs 1 --limit 16 --batch-size 8", Writes("{ws}/ft/model.pth", "{ws}/ft/model.json")),
        ["effnet devices [--watch SECONDS [--csv FILE]]"] = Steps(
            Run("devices", Prints("TorchSharp", "CPU")),
            Run("devices --watch 1 --csv {ws}/load.csv", Writes("{ws}/load.csv").And(Prints("written to {ws}/load.csv")), interruptAfterLines: 2)),
        ["effnet export-onnx --model b0 --weights FILE --output M.onnx [--opset 17] [--dynamic-batch] [--verify]"] =
            Run("export-onnx --model b0 --weights {sample} --output {ws}/m.onnx --opset 17 --dynamic-batch --verify", Writes("{ws}/m.onnx")),
        // Small synthetic input keeps it quick; --half runs float16 on the CPU here (a GPU in the README's sense).
        ["effnet bench --model b0 [--batch-size 1,8,32] [--channels-last] [--half] [--backend onnxruntime]"] = Steps(
            // --channels-last is CUDA's: on this CPU it stops with the reason (ModelPlacement.CheckMemoryFormat).
            Run("bench --model b0 --batch-size 1,8 --channels-last --image-size 64 --warmup 1 --repeats 2", Fails("--channels-last is refused on the CPU")),
            Run("bench --model b0 --batch-size 1 --half --image-size 64 --warmup 1 --repeats 2", Prints("float16")),
            Run("bench --model b0 --batch-size 1 --backend onnxruntime --warmup 1 --repeats 2", Prints("onnxruntime"))),
        ["effnet bench --preprocess --model b0 --data DIR [--workers N] [--limit N] [--passes 3]"] =
            Run("bench --preprocess --model b0 --data {images} --workers 2 --limit 2 --passes 3", Prints("images/s")),

        // README: Scale out. The shards and their merge on the shipped sample; the local, Slurm and Kubernetes scripts
        // are run by tests/scale/run.sh.
        ["effnet eval … --shard I/N --out RUN"] = Run("eval --weights {sample} --data {fm} --shard 1/2 --out {ws}/shard-1", Writes("{ws}/shard-1/summary.json")),
        ["effnet eval merge RUN… --out DIR"] = Steps(
            Run("eval --weights {sample} --data {fm} --shard 0/2 --out {ws}/s0", Succeeds),
            Run("eval --weights {sample} --data {fm} --shard 1/2 --out {ws}/s1", Succeeds),
            Run("eval merge {ws}/s0 {ws}/s1 --out {ws}/merged", Writes("{ws}/merged/summary.json").And(Prints("500 evaluated")))),
        ["effnet eval --weights samples/fashion-mnist/efficientnet_b0_fashion_mnist.pth --data samples/fashion-mnist/test --shard 0/3 --out /tmp/fm-run/shard-0"] =
            AsWritten(Writes("{ws}/fm-run/shard-0/summary.json"), replace: SampleFiles),
        ["effnet eval --weights samples/fashion-mnist/efficientnet_b0_fashion_mnist.pth --data samples/fashion-mnist/test --shard 1/3 --out /tmp/fm-run/shard-1"] =
            AsWritten(Writes("{ws}/fm-run/shard-1/summary.json"), replace: SampleFiles),
        ["effnet eval --weights samples/fashion-mnist/efficientnet_b0_fashion_mnist.pth --data samples/fashion-mnist/test --shard 2/3 --out /tmp/fm-run/shard-2"] =
            AsWritten(Writes("{ws}/fm-run/shard-2/summary.json"), replace: SampleFiles),
        ["effnet eval merge /tmp/fm-run/shard-0 /tmp/fm-run/shard-1 /tmp/fm-run/shard-2 --out /tmp/fm-run/merged"] =
            AsWritten(Writes("{ws}/fm-run/merged/summary.json").And(Prints("500 evaluated"))),

        // README: prose.
        ["effnet eval"] = Run("eval --help", Prints("Usage:")),
        ["effnet devices"] = Run("devices", Prints("TorchSharp")),
        ["effnet devices --watch 1 [--csv load.csv]"] =
            Run("devices --watch 1 --csv {ws}/load.csv", Writes("{ws}/load.csv"), interruptAfterLines: 2),
        ["effnet devices --json"] = Run("devices --json", Json("torch.malloc_tuned", "torch.malloc_single_arena")),
        ["effnet bench --preprocess"] = Run("bench --preprocess --model b0 --data {images} --limit 2 --passes 1 --json", Json("jpeg_backend")),
        ["effnet logits"] = Run("logits --help", Prints("Usage:")),
        ["effnet data fashion-mnist"] = Run("data fashion-mnist --out {ws}/fm --limit 20",
            Writes("{ws}/fm/classes.txt").And(Lines("{ws}/fm/classes.txt", "T-shirt_top", "Trouser", "Pullover"))),

        // README: the container. Exempt here: they need the image and its sshd, which tests/container/run.sh builds
        // and checks (it runs `effnet models` as the image's arguments, and effnet over a key-authenticated ssh login).
        ["docker run --gpus all --rm efficientnet-lab effnet models"] = Exempt("runs in the container image: tests/container/run.sh"),
        ["ssh -p 2222 jovyan@127.0.0.1 effnet predict --model b0 --weights imagenet1k_v1 /data/cat.jpg"] =
            Exempt("effnet over ssh into the container: tests/container/run.sh logs in the same way"),

        // README: the Fashion-MNIST recipe, in order, on 30 images a split instead of 70,000 (hours of training).
        ["effnet data fashion-mnist --out /tmp/fm --split both"] = AsWritten(Prints("30 images in {ws}/fm/train"), append: "--limit 30"),
        ["effnet finetune $opts --seed 0 --out /tmp/ft-fm --epochs 8"] = AsWritten(Writes("{ws}/ft-fm/model.pth")),
        ["effnet finetune $opts --seed 0 --out /tmp/ft-fm --epochs 10"] = AsWritten(Writes("{ws}/ft-fm/model.pth")),
        ["effnet finetune $opts --seed 0 --out /tmp/ft-fm --epochs 14"] = AsWritten(Writes("{ws}/ft-fm/model.pth")),
        ["effnet finetune $opts --seed 1 --out /tmp/ft-fm2 --weights /tmp/ft-fm/model.pth --lr 6e-4 --epochs 8"] = AsWritten(Writes("{ws}/ft-fm2/model.pth")),
        ["effnet eval --weights /tmp/ft-fm2/model.pth --data /tmp/fm/test --batch-size 128 --out /tmp/ft-eval"] =
            AsWritten(Writes("{ws}/ft-eval/summary.json").And(Prints("30 evaluated"))),

        // README: checking logits against PyTorch, on the parity fixtures the suite already made with the same script.
        ["effnet logits --model v2_m --weights /tmp/fresh/v2_m/state_dict.pth --input /tmp/fresh/v2_m/input.npy --output /tmp/y.npy"] =
            AsWritten(Writes("{ws}/y.npy").And(SameLogits("{parity}/v2_m/logits.npy", "{ws}/y.npy")), replace: ("/tmp/fresh", "{parity}")),
    };

    private readonly ReadmeCommandTests.Mirror mirror;

    public ReadmeCommandTests(Mirror mirror) => this.mirror = mirror;

    /// <summary>One case per code block (its lines share files and run in order) and per distinct code span.</summary>
    public static TheoryData<string> Units => new(DocumentedCommands.All.Select(UnitOf).Distinct());

    private static string UnitOf(DocumentedCommand c) => c.Block is int b ? $"{c.File}:{b} (code block)" : c.Text;

    [Theory]
    [MemberData(nameof(Units))]
    public void Documented_command_runs(string unit)
    {
        var commands = DocumentedCommands.All.Where(c => UnitOf(c) == unit).DistinctBy(c => c.Text).ToList();
        Assert.NotEmpty(commands);
        using var ws = new DocWorkspace(mirror.Server);
        foreach (var command in commands)
        {
            Assert.True(Rules.TryGetValue(command.Text, out var rule),
                $"{command.Where} shows `{command.Text}`, which the docs test does not run. Add one line to Rules in " +
                $"tests/EfficientNetLab.Tests/Docs/ReadmeCommandTests.cs: [\"{command.Text}\"] = AsWritten(Prints(\"…\")) to run it " +
                "as written, Run(\"concrete args with {placeholders}\", check) for a synopsis, or Exempt(\"why\").");
            foreach (var step in rule.Steps)
            {
                if (step.HubCache) ws.SeedHubCache();
                var result = ws.Run(step.Args(command, ws), step.InterruptAfterLines);
                step.Check(result, ws);
            }
        }
    }

    [Fact]
    public void Every_rule_matches_a_documented_command()
    {
        var documented = DocumentedCommands.All.Select(c => c.Text).ToHashSet();
        Assert.All(Rules.Keys, key => Assert.True(documented.Contains(key),
            $"Rule `{key}` matches no command in {string.Join(" or ", DocumentedCommands.Documents)} any more: update its key or remove it."));
    }

    [Fact]
    public void Extraction_finds_code_block_lines_table_cells_and_spans_but_not_comments_or_other_fences()
    {
        const string markdown = """
            | verb | what |
            |---|---|
            | `effnet predict --weights FILE\|random IMAGE` | classify |
            Prose with `effnet models` and the bare word `effnet`.
            ```bash
            # effnet in a comment
            opts="--model b0 \
                  --data /tmp/x"
            effnet finetune $opts --out /tmp/r   # trains
            dotnet pack -o feed   # the effnet tool
            ```
            ```
            src/Cli/    the effnet tool
            ```
            """;
        var found = DocumentedCommands.Extract("doc.md", markdown).ToList();
        Assert.Equal(["effnet predict --weights FILE|random IMAGE", "effnet models", "effnet finetune $opts --out /tmp/r"], found.Select(c => c.Text));
        Assert.Equal([3, 4, 9], found.Select(c => c.Line));
        Assert.Equal("--model b0 --data /tmp/x", found[2].Variables["opts"]);
        Assert.Equal(5, found[2].Block);
    }

    /// <summary>The file starts with these lines.</summary>
    private static DocCheck Lines(string file, params string[] first) => (_, ws) =>
        Assert.Equal(first, File.ReadLines(ws.Expand(file)).Take(first.Length));

    private static DocCheck NpyShape(string file, params long[] shape) => (_, ws) =>
    {
        using var t = Npy.Read(ws.Expand(file));
        Assert.Equal(shape, t.shape);
    };

    private static DocCheck SameLogits(string expected, string actual) => (_, ws) =>
    {
        using var e = Npy.Read(ws.Expand(expected));
        using var a = Npy.Read(ws.Expand(actual));
        LogitAssert.Close(e, a);
    };
}
