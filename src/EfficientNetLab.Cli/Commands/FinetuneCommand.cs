using System.CommandLine;
using EfficientNetLab.Devices;
using EfficientNetLab.Options;
using System.Text.Json.Nodes;
using EfficientNetLab.Imaging;
using EfficientNetLab.Training;

namespace EfficientNetLab.Cli.Commands;

internal static class FinetuneCommand
{
    public static Command Create(Output output)
    {
        var model = CommonOptions.From(KitOptions.Model.WithDefault("b0", "Variant to train (b0…b7, v2_s, v2_m, v2_l)."));
        var weights = CommonOptions.From(KitOptions.Weights.WithDefault(null, "Start from this checkpoint or published tag (classifier replaced; its preset is the default preset); default: random init with the ImageNet preset (resize 256 bicubic, crop 224)."));
        var data = new Option<string>("--data", "-d") { Description = "Training ImageFolder (one sub-folder per class).", Required = true };
        var classMap = new Option<string?>("--class-map")
        {
            Description = "timm class map: a .txt file with one class folder name per line; it sets the checkpoint's class order " +
                          "(default: the dataset's own mapping, sorted folders as torchvision's ImageFolder).",
        };
        var outDir = new Option<string>("--out", "-o") { Description = "Run folder: per-epoch checkpoints, then model.pth + model.json. Rerun to resume.", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data.", DefaultValueFactory = _ => 5 };
        var batchSize = CommonOptions.From(KitOptions.BatchSize.WithDefault(128, "Images per step."));
        var lr = new Option<double>("--lr") { Description = "Peak AdamW learning rate (warm-up, then cosine decay).", DefaultValueFactory = _ => 2e-3 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => 0.05 };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Cross-entropy label smoothing.", DefaultValueFactory = _ => 0.1 };
        var noFlip = new Option<bool>("--no-flip") { Description = "Disable random horizontal flips." };
        var dropPath = new Option<double?>("--drop-path") { Description = "Stochastic depth rate while training (default: the variant's, 0.2 for B0; 0 trains faster from scratch)." };
        var dropout = new Option<double?>("--drop") { Description = "Classifier dropout while training (default: the variant's)." };
        var channelsLast = new Option<bool>("--channels-last") { Description = ModelPlacement.ChannelsLastHelp };
        var seed = new Option<int>("--seed") { Description = "Seed for init, shuffling and flips.", DefaultValueFactory = _ => 0 };
        var workers = CommonOptions.Workers();
        var device = CommonOptions.Device();
        var limit = CommonOptions.From(KitOptions.Limit.WithDefault(null, "Use only N images per epoch (quick runs)."));
        var json = CommonOptions.Json();
        var overrides = new PresetOverrides();
        var command = new Command("finetune", "Train or fine-tune a variant on an ImageFolder; the result carries its classes and preset, ready for effnet eval.")
        {
            model, weights, data, classMap, outDir, epochs, batchSize, lr, weightDecay, smoothing, noFlip, dropPath, dropout, channelsLast, seed, workers, device, limit, json,
        };
        overrides.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                var basePreset = await FineTuner.DefaultPresetAsync(parse.GetValue(model)!, parse.GetValue(weights), ct);
                var options = new FineTuneOptions
                {
                    Variant = parse.GetValue(model)!, InitWeights = parse.GetValue(weights), TrainDir = parse.GetValue(data)!, ClassMap = parse.GetValue(classMap),
                    OutDir = parse.GetValue(outDir)!, Preset = overrides.Apply(parse, basePreset), Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batchSize), LearningRate = parse.GetValue(lr), WeightDecay = parse.GetValue(weightDecay),
                    LabelSmoothing = parse.GetValue(smoothing), HorizontalFlip = !parse.GetValue(noFlip),
                    DropPath = parse.GetValue(dropPath), Dropout = parse.GetValue(dropout), ChannelsLast = parse.GetValue(channelsLast), Seed = parse.GetValue(seed),
                    Workers = parse.GetValue(workers), Device = parse.GetValue(device)!, Limit = parse.GetValue(limit),
                };
                var result = await FineTuner.RunAsync(options, output.TrainBar(), output.Note, ct);
                if (asJson)
                    output.Json(new JsonObject
                    {
                        ["checkpoint"] = result.CheckpointPath, ["epochs"] = result.EpochsCompleted, ["completed"] = result.Completed,
                        ["loss"] = result.LastLoss, ["train_accuracy"] = result.LastTrainAccuracy,
                    });
                else
                    output.Line(result.Completed ? $"trained {result.EpochsCompleted} epoch(s): {result.CheckpointPath}" : $"stopped after {result.EpochsCompleted} epoch(s); rerun to continue");
                return result.Completed ? 0 : 130;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }
}
