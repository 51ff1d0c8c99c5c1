using System.Runtime.InteropServices;

namespace EfficientNetLab.Devices;

/// <summary>Scheduling priority of single threads, for background work that should only use idle CPU time.</summary>
public static class ThreadNice
{
    /// <summary>
    /// Gives the calling thread the nice value <paramref name="nice"/> (0 normal … 19 lowest) for the rest of its
    /// life. Linux keeps a nice value per thread (setpriority on the thread id), and raising it needs no
    /// privilege; lowering it again would, so call this on threads that end with their work. Elsewhere the .NET
    /// thread priority is lowered instead. Where neither works the thread stays at normal priority, which costs
    /// speed, not results.
    /// </summary>
    public static void LowerCurrentThread(int nice)
    {
        if (nice <= 0) return;
        if (OperatingSystem.IsLinux()) setpriority(PRIO_PROCESS, gettid(), Math.Min(nice, 19));
        else Thread.CurrentThread.Priority = ThreadPriority.Lowest;
    }

    private const int PRIO_PROCESS = 0;

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int gettid();
}
