using EfficientNetLab.Cli;
using EfficientNetLab.Devices;

// Before anything else runs: may replace this process with itself under MALLOC_ARENA_MAX=1 (see the method).
TorchRuntime.ReexecWithSingleMallocArena();
return await EffnetApp.RunAsync(args, Console.Out, Console.Error);
