# global_heatmap: drawn by `gnuplot global_heatmap.gp` from global_heatmap.dat; edit freely and re-run.
# 6.69in x 4in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 1004,600 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'global_heatmap.png'
set border lc rgb '#444444'
set lmargin at screen 0.4171
set rmargin at screen 0.8339
set xrange [-0.5:29.5]
set xtics 0, 5, 29
set yrange [11.5:-0.5]
set palette defined (0 '#440154', 1 '#3B528B', 2 '#21918C', 3 '#5EC962', 4 '#FDE725')
set title "up_proj rows kept per layer at 30 %, every global cell" noenhanced
set key off
set ytics ("wpr(gamma: 0.5), global" 0, "wpr(gamma: 0.5), global(balance: width)" 1, "mpr, global" 2, "mpr, global(balance: width)" 3, "activation, global" 4, "activation, global(balance: width)" 5, "wanda, global" 6, "wanda, global(balance: width)" 7, "norm, global" 8, "norm, global(balance: width)" 9, "random, global" 10, "random, global(balance: width)" 11) noenhanced font ',7'
unset ylabel
set xlabel "layer" noenhanced
set cblabel "mlp.up_proj rows kept" noenhanced
plot 'global_heatmap.dat' matrix using ($1+0):2:3 with image notitle
set terminal svg size 482,288 enhanced font 'Sans,10' linewidth 1
set output 'global_heatmap.svg'
replot
unset output
