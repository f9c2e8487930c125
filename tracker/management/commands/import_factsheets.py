from .import_documents import Command as ImportDocuments


class Command(ImportDocuments):
    help = "The former name of import_documents, kept: the same import, the same options. " + (
        ImportDocuments.help
    )
