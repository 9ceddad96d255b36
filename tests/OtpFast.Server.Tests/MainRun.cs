using System.Collections;

namespace OtpFast.Server.Tests;

/// <summary>The whole of the binary's Main in-process, for the command lines that must end on their own.</summary>
internal static class MainRun
{
    /// <summary>Runs <paramref name="args"/> with the given environment; fails if it has not ended within 30 s (it started serving).</summary>
    public static (int Code, string Stdout, string Stderr) Run(IDictionary environment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Task<int> run = Task.Run(() => Program.Run(args, stdout, stderr, environment));
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "otpfast " + string.Join(' ', args) + " did not end: it started a server");
        return (run.Result, stdout.ToString(), stderr.ToString());
    }

    /// <summary>As <see cref="Run(IDictionary, string[])"/>, with no <c>OTPFAST_</c> variable set.</summary>
    public static (int Code, string Stdout, string Stderr) Run(params string[] args) => Run(new Hashtable(), args);
}
