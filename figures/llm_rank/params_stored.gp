# params_stored: drawn by `gnuplot params_stored.gp` from params_stored.dat; edit freely and re-run.
# 6in x 4in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,600 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'params_stored.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set title "Parameters stored after shrinking" noenhanced
set key below center horizontal maxcols 1 reverse Left nobox height 1
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "parameters stored (millions)" noenhanced
set format x '%.0f%%'
plot 'params_stored.dat' index 0 using ($1*100):2 title "mlp.up_proj -> mlp.down_proj" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'params_stored.dat' index 1 using ($1*100):2 title "mlp.up_proj" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     134.515008 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 432,288 enhanced font 'Sans,10' linewidth 1
set output 'params_stored.svg'
replot
unset output
