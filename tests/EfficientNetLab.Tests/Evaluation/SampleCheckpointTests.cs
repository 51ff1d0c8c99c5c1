using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Evaluation;

public class SampleCheckpointTests
{
    [Fact]
    public async Task Shipped_sample_predicts_what_torchvision_predicts_on_the_shipped_images()
    {
        // The notebooks' offline default: the checkpoint and its preset must give torchvision's verdict image for
        // image, or every lesson built on it teaches numbers a PyTorch user would not get.
        var checkpoint = Repo.SampleCheckpoint;
        var data = Repo.SampleImages;
        var reference = JsonNode.Parse(Repo.Run(Repo.Python, [Path.Combine(Repo.Root, "tests", "parity", "eval_imagefolder.py"), checkpoint, data]))!;

        using var loaded = await ModelLoader.LoadAsync(null, checkpoint);
        var dataset = DatasetIndex.Open(data, loaded.ClassNames);
        var result = await Evaluator.RunAsync(loaded, dataset.Samples, new EvalOptions { BatchSize = 100, MisclassifiedInSummary = int.MaxValue });

        Assert.Equal(reference["images"]!.GetValue<int>(), result.Metrics.Images);
        var kitMisses = result.Misclassified.ToDictionary(p => Path.GetRelativePath(data, p.Path).Replace('\\', '/'), p => p.Predicted);
        var classIndex = loaded.ClassNames.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
        var torchvisionMisses = reference["predictions"]!.AsObject()
            .Where(kv => kv.Value!.GetValue<int>() != classIndex[kv.Key.Split('/')[0]])
            .ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>());
        Assert.Equal(torchvisionMisses.OrderBy(kv => kv.Key), kitMisses.OrderBy(kv => kv.Key));
        Assert.Equal(reference["top1"]!.GetValue<double>(), result.Metrics.Top1.Value, 12);
    }
}
