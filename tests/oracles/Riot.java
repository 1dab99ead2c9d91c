// Apache Jena RIOT (Debian's libapache-jena-java) as an oracle: parse RDF files with checking on, and report every
// warning and error with its line and column, and what was read. Run by tests/test_oracles.py as a single-file
// source program:
//
//   java -cp <jars> tests/oracles/Riot.java FILE...
//
// The syntax comes from each file's extension (.ttl .trig .nt .nq .jsonld .rdf), as `riot` itself picks it, with
// one exception: JSON-LD is read with Jena's JSON-LD 1.0 reader (jsonld-java). Jena's default JSON-LD 1.1 reader
// (Titanium) needs a Jakarta JSON provider, and Debian bookworm packages only the API (libjsonp2-java), so it fails
// with LOADING_DOCUMENT_FAILED on any document. The exports are expanded JSON-LD without a context, which reads
// the same under 1.0 and 1.1.
// Output: one tab-separated record per line (newlines inside a value are replaced by spaces):
//   WARNING|ERROR|FATAL  path  line  column  message
//   PARSED   path  language  distinct-quads  default-graph-triples  named-graphs
//   FAILED   path  message
// Exit 0 when every file was read (warnings or not), 1 when one could not be read.

import java.util.Iterator;

import org.apache.jena.graph.Node;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFLanguages;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.riot.system.ErrorHandler;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.sparql.core.DatasetGraphFactory;
import org.apache.jena.sys.JenaSystem;

public class Riot {
    static String clean(Object o) {
        return o == null ? "" : o.toString().replace('\t', ' ').replace('\r', ' ').replace('\n', ' ');
    }

    static void out(String... fields) {
        System.out.println(String.join("\t", fields));
    }

    /** Records every message instead of logging it (so none can be lost to a missing logger binding). */
    static ErrorHandler recorder(String path) {
        return new ErrorHandler() {
            public void warning(String message, long line, long col) {
                out("WARNING", path, String.valueOf(line), String.valueOf(col), clean(message));
            }

            public void error(String message, long line, long col) {
                out("ERROR", path, String.valueOf(line), String.valueOf(col), clean(message));
            }

            public void fatal(String message, long line, long col) {
                out("FATAL", path, String.valueOf(line), String.valueOf(col), clean(message));
                throw new IllegalStateException(message);
            }
        };
    }

    public static void main(String[] args) {
        JenaSystem.init();
        int status = 0;
        for (String path : args) {
            Lang lang = RDFLanguages.filenameToLang(path);
            if (Lang.JSONLD.equals(lang) || Lang.JSONLD11.equals(lang)) {
                lang = Lang.JSONLD10;
            }
            DatasetGraph dsg = DatasetGraphFactory.createGeneral();
            try {
                RDFParser.source(path).forceLang(lang).checking(true).strict(true).errorHandler(recorder(path))
                    .parse(dsg);
            } catch (RuntimeException | LinkageError e) {
                out("FAILED", path, clean(e));
                status = 1;
                continue;
            }
            long quads = 0;
            for (Iterator<?> it = dsg.find(); it.hasNext(); it.next()) {
                quads++;
            }
            long named = 0;
            for (Iterator<Node> it = dsg.listGraphNodes(); it.hasNext(); it.next()) {
                named++;
            }
            out("PARSED", path, lang == null ? "" : lang.getName(), String.valueOf(quads),
                String.valueOf(dsg.getDefaultGraph().size()), String.valueOf(named));
        }
        System.exit(status);
    }
}
