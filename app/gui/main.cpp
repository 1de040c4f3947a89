// traceprop: the workbench GUI. Wiring only: parse arguments, build the main window, hand over.
//   traceprop [--open EXP.json] [--run] [--screenshot FILE.png] [--quit-after-epochs N]
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

#include "ui/main_window.h"

int main(int argc, char** argv)
{
    Q_INIT_RESOURCE(resources);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("TraceProp Workbench"));
    QApplication::setOrganizationName(QStringLiteral("TraceProp"));
    QApplication::setApplicationVersion(QStringLiteral(TP_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Train spiking networks with Traces Propagation."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption open({QStringLiteral("o"), QStringLiteral("open")}, QStringLiteral("Open an experiment file."),
                                  QStringLiteral("EXP.json"));
    const QCommandLineOption run(QStringLiteral("run"), QStringLiteral("Start training the opened experiment."));
    const QCommandLineOption shot(QStringLiteral("screenshot"),
                                  QStringLiteral("Save a PNG of the main window (after --quit-after-epochs epochs, or once shown)."),
                                  QStringLiteral("FILE.png"));
    const QCommandLineOption quitAfter(QStringLiteral("quit-after-epochs"),
                                       QStringLiteral("Close once N epochs have finished (needs --run)."), QStringLiteral("N"));
    parser.addOptions({open, run, shot, quitAfter});
    parser.process(app);

    bool ok = true;
    const int epochs = parser.isSet(quitAfter) ? parser.value(quitAfter).toInt(&ok) : 0;
    if (!ok || epochs < 0) {
        std::fprintf(stderr, "traceprop: --quit-after-epochs needs a whole number >= 0, got '%s'\n",
                     qPrintable(parser.value(quitAfter)));
        return 2;
    }
    if ((parser.isSet(run) || epochs > 0) && !parser.isSet(open)) {
        std::fprintf(stderr, "traceprop: --run and --quit-after-epochs need --open EXP.json\n");
        return 2;
    }

    tp::ui::MainWindow window;
    if (epochs > 0 || parser.isSet(shot))
        window.quitAfterEpochs(epochs, parser.value(shot));  // scripted: no prompts
    window.show();
    if (parser.isSet(open)) {
        QString error;
        if (!window.openFile(parser.value(open), &error)) {
            std::fprintf(stderr, "traceprop: %s\n", qPrintable(error));
            if (epochs > 0 || parser.isSet(run))
                return 2;
        } else if (parser.isSet(run) || epochs > 0) {
            if (!window.startRun(&error)) {
                std::fprintf(stderr, "traceprop: %s\n", qPrintable(error));
                return 2;
            }
        }
    }
    if (parser.isSet(shot) && epochs == 0) {
        const QString path = parser.value(shot);
        QTimer::singleShot(1500, &window, [&window, path] {
            if (!window.saveScreenshot(path))
                std::fprintf(stderr, "traceprop: cannot write %s\n", qPrintable(path));
            window.close();
        });
    }
    return app.exec();
}
