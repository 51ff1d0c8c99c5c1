using System.CommandLine;
using EfficientNetLab.Cli.Commands;
using EfficientNetLab.Devices;

namespace EfficientNetLab.Cli;

/// <summary>
/// The <c>effnet</c> command tree. Verbs only parse options and call the library; output goes through
/// <see cref="Output"/> so that <c>--json</c> prints exactly one JSON object on stdout.
/// </summary>
public static class EffnetApp
{
    public static RootCommand Build(Output output)
    {
        var root = new RootCommand("effnet — EfficientNet models, weights and accuracy runs with torchvision-identical numbers.")
        {
            ModelsCommand.Create(output),
            WeightsCommand.Create(output),
            LogitsCommand.Create(output),
            PredictCommand.Create(output),
            PreprocessCommand.Create(output),
            EvalCommand.Create(output),
            DataCommand.Create(output),
            FinetuneCommand.Create(output),
            DevicesCommand.Create(output),
            ExportOnnxCommand.Create(output),
            BenchCommand.Create(output),
        };
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        TorchRuntime.Initialize();
        Output output;
        try
        {
            output = Output.ForConsole(stdout, stderr);
        }
        catch (ArgumentException e)
        {
            return new Output(stdout, stderr).Fail(e);
        }
        var root = Build(output);
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        try
        {
            return await parse.InvokeAsync(config);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return output.Fail(e);
        }
    }
}
