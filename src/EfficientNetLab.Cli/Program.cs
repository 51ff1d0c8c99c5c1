using System.CommandLine;
using EfficientNetLab.Cli;

return await EffnetApp.RunAsync(args, Console.Out, Console.Error);
