#ifndef PARLEY_CLIBXML2_SHIM_H
#define PARLEY_CLIBXML2_SHIM_H
// Debian's libxml2 is built with ICU, whose headers clash with Foundation's own copy of
// ICU ("'UErrorCode' has different definitions"): read the version header first and hide
// the ICU part before the rest is included.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#include <libxml/globals.h>

/// Sets this thread's initial input-buffer size for new parser contexts (a per-thread
/// libxml2 global, which Swift cannot assign through its macro).
static inline void parley_set_default_buffer_size(int size) { xmlDefaultBufferSize = size; }
#endif
