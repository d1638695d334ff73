// `syskit racecheck instrument`: Clang LibTooling rewriter that inserts the
// TSVD hook before each member call on a configured type (TSVD section 4,
// "instrumentation", done on C++ source instead of .NET IL).
#include "syskit/racecheck/instrument.h"

#include <clang/AST/ASTConsumer.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/FrontendAction.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <clang/Lex/Lexer.h>
#include <clang/Rewrite/Core/Rewriter.h>
#include <clang/Tooling/ArgumentsAdjusters.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/JSONCompilationDatabase.h>
#include <clang/Tooling/Tooling.h>
#include <llvm/Support/raw_ostream.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

namespace syskit::racecheck {
namespace {

// The contract's name for a record: "std::vector", "std::string", ...
std::string ContractTypeName(const clang::CXXRecordDecl* record) {
  std::string name = record->getQualifiedNameAsString();
  if (name == "std::__cxx11::basic_string" || name == "std::basic_string") return "std::string";
  const std::string inline_ns = "std::__cxx11::";
  if (name.rfind(inline_ns, 0) == 0) name = "std::" + name.substr(inline_ns.size());
  return name;
}

struct Shared {
  std::set<std::string> types;
  std::vector<InstrumentedFile>* files;
  std::string out_dir;
  std::string error;
};

class HookVisitor : public clang::RecursiveASTVisitor<HookVisitor> {
 public:
  HookVisitor(clang::ASTContext& context, clang::Rewriter& rewriter, Shared& shared,
              InstrumentedFile& file)
      : context_(context), rewriter_(rewriter), shared_(shared), file_(file) {}

  bool VisitCXXMemberCallExpr(clang::CXXMemberCallExpr* call) {
    const clang::CXXMethodDecl* method = call->getMethodDecl();
    if (method == nullptr) return true;
    bool arrow = false;
    if (const auto* member = llvm::dyn_cast<clang::MemberExpr>(call->getCallee()->IgnoreParens())) {
      arrow = member->isArrow();
    }
    Hook(call, method, call->getImplicitObjectArgument(), arrow);
    return true;
  }

  bool VisitCXXOperatorCallExpr(clang::CXXOperatorCallExpr* call) {
    const auto* method = llvm::dyn_cast_or_null<clang::CXXMethodDecl>(call->getDirectCallee());
    if (method == nullptr || call->getNumArgs() == 0) return true;
    Hook(call, method, call->getArg(0), false);
    return true;
  }

 private:
  void Hook(clang::Expr* call, const clang::CXXMethodDecl* method, clang::Expr* object,
            bool arrow) {
    const clang::SourceManager& sources = context_.getSourceManager();
    if (object == nullptr ||
        !sources.isWrittenInMainFile(sources.getExpansionLoc(call->getBeginLoc()))) {
      return;
    }
    const std::string type = ContractTypeName(method->getParent());
    if (!shared_.types.count(type)) return;
    if (call->getBeginLoc().isMacroID() || call->getEndLoc().isMacroID() ||
        object->HasSideEffects(context_) ||
        llvm::isa<clang::CXXThisExpr>(object->IgnoreImpCasts()) || method->isStatic()) {
      ++file_.skipped;
      return;
    }
    const llvm::StringRef text =
        clang::Lexer::getSourceText(clang::CharSourceRange::getTokenRange(object->getSourceRange()),
                                    sources, context_.getLangOpts());
    if (text.empty()) {
      ++file_.skipped;
      return;
    }
    const std::string address = arrow ? "(" + text.str() + ")" : "&(" + text.str() + ")";
    const std::string hook = "(::syskit::racecheck::OnCall(static_cast<const void*>(" + address +
                             "), ::syskit::racecheck::RegisterOp(\"" + type + "\", \"" +
                             method->getNameAsString() + "\")), ";
    rewriter_.InsertTextBefore(call->getBeginLoc(), hook);
    rewriter_.InsertTextAfterToken(call->getEndLoc(), ")");
    ++file_.hooks;
  }

  clang::ASTContext& context_;
  clang::Rewriter& rewriter_;
  Shared& shared_;
  InstrumentedFile& file_;
};

class HookConsumer : public clang::ASTConsumer {
 public:
  HookConsumer(clang::Rewriter& rewriter, Shared& shared, InstrumentedFile& file)
      : rewriter_(rewriter), shared_(shared), file_(file) {}
  void HandleTranslationUnit(clang::ASTContext& context) override {
    HookVisitor(context, rewriter_, shared_, file_).TraverseDecl(context.getTranslationUnitDecl());
  }

 private:
  clang::Rewriter& rewriter_;
  Shared& shared_;
  InstrumentedFile& file_;
};

class HookAction : public clang::ASTFrontendAction {
 public:
  explicit HookAction(Shared& shared) : shared_(shared) {}

  std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(clang::CompilerInstance& compiler,
                                                        llvm::StringRef path) override {
    rewriter_.setSourceMgr(compiler.getSourceManager(), compiler.getLangOpts());
    file_.source = std::filesystem::absolute(path.str()).lexically_normal().string();
    return std::make_unique<HookConsumer>(rewriter_, shared_, file_);
  }

  void EndSourceFileAction() override {
    if (getCompilerInstance().getDiagnostics().hasErrorOccurred()) {
      shared_.error = "clang could not parse " + file_.source;
      return;
    }
    const clang::SourceManager& sources = rewriter_.getSourceMgr();
    const clang::FileID main = sources.getMainFileID();
    std::string text;
    if (const clang::RewriteBuffer* buffer = rewriter_.getRewriteBufferFor(main)) {
      text = std::string(buffer->begin(), buffer->end());
    } else {
      text = sources.getBufferData(main).str();
    }
    // #line keeps source locations (the sites in reports) and debug info
    // pointing at the original file and line.
    text =
        "#include \"syskit/racecheck/runtime.h\"  // added by syskit racecheck instrument\n"
        "#line 1 \"" +
        file_.source + "\"\n" + text;
    file_.output = shared_.out_dir + "/" + std::filesystem::path(file_.source).filename().string();
    std::ofstream(file_.output, std::ios::binary) << text;
    shared_.files->push_back(file_);
  }

 private:
  Shared& shared_;
  clang::Rewriter rewriter_;
  InstrumentedFile file_;
};

class HookActionFactory : public clang::tooling::FrontendActionFactory {
 public:
  explicit HookActionFactory(Shared& shared) : shared_(shared) {}
  std::unique_ptr<clang::FrontendAction> create() override {
    return std::make_unique<HookAction>(shared_);
  }

 private:
  Shared& shared_;
};

}  // namespace

Result<std::vector<InstrumentedFile>> Instrument(const InstrumentOptions& options) {
  std::string error;
  std::unique_ptr<clang::tooling::CompilationDatabase> database =
      clang::tooling::JSONCompilationDatabase::loadFromFile(
          options.build_dir + "/compile_commands.json", error,
          clang::tooling::JSONCommandLineSyntax::AutoDetect);
  if (database == nullptr) {
    return InvalidArgumentError(options.build_dir + "/compile_commands.json: " + error);
  }
  std::vector<std::string> sources = options.sources;
  if (sources.empty()) sources = database->getAllFiles();
  for (std::string& source : sources) {
    source = std::filesystem::absolute(source).lexically_normal().string();
    if (database->getCompileCommands(source).empty()) {
      return InvalidArgumentError(source + ": not in " + options.build_dir +
                                  "/compile_commands.json");
    }
  }
  std::error_code mkdir_error;
  std::filesystem::create_directories(options.out_dir, mkdir_error);
  if (mkdir_error) return IOError("create " + options.out_dir + ": " + mkdir_error.message());

  std::vector<InstrumentedFile> files;
  Shared shared;
  for (const ContractGroup& group : options.contract.groups()) shared.types.insert(group.type);
  shared.files = &files;
  shared.out_dir = options.out_dir;
  clang::tooling::ClangTool tool(*database, sources);
  tool.appendArgumentsAdjuster(clang::tooling::getInsertArgumentAdjuster(
      "-resource-dir=" SYSKIT_CLANG_RESOURCE_DIR, clang::tooling::ArgumentInsertPosition::END));
  tool.appendArgumentsAdjuster(clang::tooling::getInsertArgumentAdjuster(
      "-Wno-everything", clang::tooling::ArgumentInsertPosition::END));
  std::string diagnostics;
  llvm::raw_string_ostream diagnostic_stream(diagnostics);
  // The printer takes a reference-counted hold on the options.
  clang::TextDiagnosticPrinter printer(diagnostic_stream, new clang::DiagnosticOptions());
  tool.setDiagnosticConsumer(&printer);
  HookActionFactory factory(shared);
  const int result = tool.run(&factory);
  diagnostic_stream.flush();
  if (result != 0 || !shared.error.empty()) {
    std::string first_line = diagnostics.substr(0, diagnostics.find('\n'));
    return InternalError((shared.error.empty() ? std::string("clang failed") : shared.error) +
                         (first_line.empty() ? "" : ": " + first_line));
  }
  return files;
}

}  // namespace syskit::racecheck
