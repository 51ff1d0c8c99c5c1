using System.Net;
using System.Net.Sockets;

namespace EfficientNetLab.Tests.Support;

/// <summary>A real HTTP server on 127.0.0.1 serving in-memory files, standing in for a weights host.</summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Dictionary<string, byte[]> files = new();
    private readonly Task loop;

    public Uri BaseUrl { get; }
    public int Requests { get; private set; }

    public LocalHttpServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/models/");
        listener.Prefixes.Add(BaseUrl.ToString());
        listener.Start();
        loop = Task.Run(Serve);
    }

    public Uri Add(string name, byte[] content)
    {
        lock (files) files[name] = content;
        return new Uri(BaseUrl, name);
    }

    private async Task Serve()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (!listener.IsListening)
            {
                return;
            }
            Requests++;
            byte[]? body;
            lock (files) files.TryGetValue(Path.GetFileName(context.Request.Url!.LocalPath), out body);
            context.Response.StatusCode = body is null ? 404 : 200;
            body ??= "not found"u8.ToArray();
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try { loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
