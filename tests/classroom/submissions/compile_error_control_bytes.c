/* compile_error_control_bytes.c - a submission whose compile error quotes
 * control bytes (BEL, ESC, SOH in the #error line): grades.xml must still
 * parse (XML 1.0 forbids them even as character references). */
#include "stats.h"

#error "bell esc soh end"
